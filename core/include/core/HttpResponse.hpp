#pragma once
/// \file A response and its serializer: the single place where response bytes are produced, so both
/// servers answer byte-identically for the same request (only the Date header differs).

#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace slowio {

/// A response before serialization.
struct HttpResponse {
    int status = 200;
    /// always a string literal: no allocation per response
    std::string_view content_type = "application/json";
    std::string body;
    std::vector<std::pair<std::string, std::string>> extra_headers;  ///< e.g. Location, Retry-After, Allow
    bool close = false;  ///< force `Connection: close` (every error response of the codec sets it)
};

/// Reason phrase for a status code ("OK", "Not Found", ...).
std::string_view reason_phrase(int status);

/// Serializes `response` as HTTP/1.1. `keep_alive` is the request's wish; the connection stays open only
/// when it is true and `response.close` is false. `date` is an IMF-fixdate (see http_date()).
std::string serialize(const HttpResponse& response, bool keep_alive, std::string_view date);

/// serialize(), appended to `out`: a server answering pipelined requests queues several responses in one
/// buffer and sends them with one write.
void serialize_to(std::string& out, const HttpResponse& response, bool keep_alive, std::string_view date);

/// True when a connection may be reused after sending `response` to a request that wanted `keep_alive`.
inline bool keeps_alive(const HttpResponse& response, bool keep_alive) {
    return keep_alive && !response.close;
}

/// Current time as an IMF-fixdate ("Sun, 06 Nov 1994 08:49:37 GMT"), cached per second per thread: the view
/// stays valid until the calling thread's next call (pass it straight to serialize()).
std::string_view http_date();

/// A JSON error response {"error":"<reason>","status":N}; `close` as given.
HttpResponse error_response(int status, std::string_view reason, bool close);

}  // namespace slowio
