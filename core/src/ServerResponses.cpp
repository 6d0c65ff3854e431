#include "core/ServerResponses.hpp"

#include <fmt/format.h>

namespace slowio {

void add_retry_after(HttpResponse& response) {
    response.extra_headers.emplace_back("Retry-After", std::string(retry_after_seconds));
}

namespace {
HttpResponse unavailable(std::string_view reason, bool close) {
    HttpResponse response = error_response(503, reason, close);
    add_retry_after(response);
    return response;
}
}  // namespace

HttpResponse too_many_connections_response(std::size_t max_connections) {
    return unavailable(fmt::format("too many open connections (limit {}); retry later", max_connections),
                       /*close=*/true);
}

HttpResponse queue_full_response(std::size_t queued) {
    return unavailable(fmt::format("worker queue is full ({} waiting); retry later", queued),
                       /*close=*/false);
}

HttpResponse queue_overloaded_response(std::chrono::milliseconds waited) {
    return unavailable(
        fmt::format("worker queue overloaded: waited {} ms behind a standing queue (CoDel); retry later",
                    waited.count()),
        /*close=*/false);
}

HttpResponse connection_queue_full_response() {
    return unavailable("all worker threads are busy and the connection queue is full", /*close=*/true);
}

HttpResponse shutting_down_response() {
    return unavailable("server is shutting down", /*close=*/true);
}

HttpResponse header_timeout_response(std::chrono::milliseconds header_timeout) {
    return error_response(408,
                          fmt::format("request headers not received within {} ms", header_timeout.count()),
                          /*close=*/true);
}

}  // namespace slowio
