#pragma once
/// \file Incremental HTTP/1.1 request parser over http-parser (sans-IO: it is fed bytes, it never reads).

#include <cstddef>
#include <memory>
#include <string>

#include "core/HttpRequest.hpp"
#include "core/HttpResponse.hpp"

namespace slowio {

/// Size limits; exceeding one yields the status in the comment.
struct ParserLimits {
    std::size_t max_request_line = 8 * 1024;   ///< method + target + version → 414
    std::size_t max_header_bytes = 16 * 1024;  ///< sum of header names and values → 431
    std::size_t max_header_count = 100;        ///< → 431
    std::size_t max_body = 1024 * 1024;        ///< → 413
};

/// Parses requests one at a time from a byte stream, including pipelined requests and split reads.
///
/// Usage: call consume() with received bytes; it returns how many it used. When state() is `complete`,
/// either take() the request (the parser then resets for the next one), or answer from request() in place
/// and call next() when done with it; then call consume() again with the bytes that were not used. When
/// state() is `error`, error() is the response to send before closing.
class RequestParser {
  public:
    /// Where the parser stands after the last consume().
    enum class State { need_more, complete, error };

    explicit RequestParser(ParserLimits limits = {});
    ~RequestParser();
    RequestParser(const RequestParser&) = delete;
    RequestParser& operator=(const RequestParser&) = delete;

    /// Feeds bytes; stops right after the end of one complete request. Returns the bytes consumed.
    std::size_t consume(const char* data, std::size_t size);
    /// Current state.
    State state() const { return state_; }
    /// True once any byte of the current request has been seen (for header timeouts / clean-close rules).
    bool started() const { return started_; }
    /// The parsed request, moved out; valid when state() == complete. Resets the parser for the next request.
    HttpRequest take();
    /// The parsed request, in place (no copy: a server holding thousands of waiting requests keeps one
    /// HttpRequest per connection, not two); valid when state() == complete, until next().
    const HttpRequest& request() const { return current_; }
    /// Done with request(): resets the parser for the next request.
    void next() { reset(); }
    /// The error to send (status, reason in body, Connection: close); valid when state() == error.
    HttpResponse error() const;

  private:
    struct Impl;
    friend struct Impl;
    void fail(int status, std::string reason);
    void reset();

    ParserLimits limits_;
    std::unique_ptr<Impl> impl_;
    State state_ = State::need_more;
    bool started_ = false;
    HttpRequest current_;
    // Only the status and reason of an error are kept (every connection holds a parser; error() builds the
    // response when one is needed).
    int error_status_ = 0;
    std::string error_reason_;
    bool last_was_value_ = false;
    std::size_t line_bytes_ = 0;
    std::size_t header_bytes_ = 0;
};

}  // namespace slowio
