#include "core/HttpResponse.hpp"

#include <fmt/format.h>

#include <chrono>
#include <ctime>
#include <nlohmann/json.hpp>

namespace slowio {

std::string_view reason_phrase(int status) {
    switch (status) {
        case 200:
            return "OK";
        case 202:
            return "Accepted";
        case 204:
            return "No Content";
        case 400:
            return "Bad Request";
        case 404:
            return "Not Found";
        case 405:
            return "Method Not Allowed";
        case 408:
            return "Request Timeout";
        case 413:
            return "Content Too Large";
        case 414:
            return "URI Too Long";
        case 431:
            return "Request Header Fields Too Large";
        case 500:
            return "Internal Server Error";
        case 501:
            return "Not Implemented";
        case 503:
            return "Service Unavailable";
        case 505:
            return "HTTP Version Not Supported";
        default:
            return "Unknown";
    }
}

std::string serialize(const HttpResponse& response, bool keep_alive, std::string_view date) {
    std::string out;
    serialize_to(out, response, keep_alive, date);
    return out;
}

void serialize_to(std::string& out, const HttpResponse& response, bool keep_alive, std::string_view date) {
    // Header order is fixed so that both servers produce the same bytes (Date aside).
    // Plain appends (no format-string parsing): this runs once per response on the /health fast path.
    out.reserve(out.size() + 160 + response.body.size());
    const fmt::format_int status(response.status);
    const fmt::format_int length(response.body.size());
    out += "HTTP/1.1 ";
    out.append(status.data(), status.size());
    out += ' ';
    out += reason_phrase(response.status);
    out += "\r\nDate: ";
    out += date;
    out += "\r\nServer: slowio\r\nContent-Type: ";
    out += response.content_type;
    out += "\r\nContent-Length: ";
    out.append(length.data(), length.size());
    out += "\r\n";
    for (const auto& [name, value] : response.extra_headers) {
        out += name;
        out += ": ";
        out += value;
        out += "\r\n";
    }
    out += keeps_alive(response, keep_alive) ? "Connection: keep-alive\r\n\r\n" : "Connection: close\r\n\r\n";
    out += response.body;
}

std::string_view http_date() {
    // Formatting a date costs ~1 µs; the /health fast path would pay it per request, so cache per second,
    // per thread (no lock on the hot path).
    struct Cache {
        std::time_t second = 0;
        std::string text;
    };
    thread_local Cache cache;
    const std::time_t now = std::chrono::system_clock::to_time_t(std::chrono::system_clock::now());
    if (now != cache.second) {
        std::tm tm{};
        gmtime_r(&now, &tm);
        char buf[64];
        const auto n = std::strftime(buf, sizeof buf, "%a, %d %b %Y %H:%M:%S GMT", &tm);
        cache.text.assign(buf, n);
        cache.second = now;
    }
    return cache.text;
}

HttpResponse error_response(int status, std::string_view reason, bool close) {
    nlohmann::ordered_json body;
    body["error"] = reason;
    body["status"] = status;
    HttpResponse response;
    response.status = status;
    response.body = body.dump();
    response.close = close;
    return response;
}

}  // namespace slowio
