#include "ContractSupport.hpp"

#include <stdexcept>
#include <variant>

#include "core/CpuWork.hpp"
#include "core/Handler.hpp"
#include "core/JobQueue.hpp"
#include "core/Metrics.hpp"
#include "core/RequestParser.hpp"
#include "core/SlowStore.hpp"

namespace slowio::test {

const Target& target() {
    return Target::from_environment();
}

namespace {
std::string strip_date(const std::string& raw) {
    const auto at = raw.find("\r\nDate: ");
    if (at == std::string::npos) return raw;
    const auto end = raw.find("\r\n", at + 2);
    return raw.substr(0, at) + raw.substr(end);
}
}  // namespace

std::string reference_response(const std::string& raw_request) {
    RequestParser parser;
    parser.consume(raw_request.data(), raw_request.size());
    if (parser.state() == RequestParser::State::error)
        return strip_date(serialize(parser.error(), false, "x"));
    if (parser.state() != RequestParser::State::complete) {
        throw std::invalid_argument("reference_response: incomplete request");
    }
    const HttpRequest request = parser.take();
    Metrics metrics;
    JobQueue jobs(16, 1, &metrics);
    Handler handler(jobs, metrics);
    Outcome outcome = handler.handle(request);
    HttpResponse response;
    if (auto* call = std::get_if<StoreCall>(&outcome)) {
        StoreResult result;
        if (call->user_id < 10'000'000) result.user = SlowStore::seeded_user(call->user_id);
        response = handler.finish(*call, result);
    } else if (auto* work = std::get_if<CpuWork>(&outcome)) {
        response = handler.finish(*work, run_cpu_work(work->n));
    } else {
        response = std::get<HttpResponse>(std::move(outcome));
    }
    return strip_date(serialize(response, request.keep_alive, "x"));
}

std::string without_date(const ClientResponse& response) {
    return strip_date(response.raw);
}

std::string status_line_of(const std::string& raw) {
    return raw.substr(0, raw.find("\r\n"));
}

std::string body_of(const std::string& raw) {
    const auto blank = raw.find("\r\n\r\n");
    return blank == std::string::npos ? std::string() : raw.substr(blank + 4);
}

}  // namespace slowio::test
