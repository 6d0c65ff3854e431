#pragma once
/// \file Incremental HTTP/1.1 request parser over http-parser (sans-IO: it is fed bytes, it never reads).

#include <cstddef>
#include <memory>
#include <optional>
#include <string>

#include "core/HttpRequest.hpp"
#include "core/HttpResponse.hpp"

namespace slowio {

/// Size limits; exceeding one yields the status in the comment.
struct ParserLimits {
    std::size_t max_request_line = 8 * 1024;   ///< method + target + version → 414
    std::size_t max_header_bytes = 16 * 1024;  ///< the header section's bytes (its field lines) → 431
    std::size_t max_header_count = 100;        ///< → 431
    std::size_t max_body = 1024 * 1024;        ///< → 413
};

/// Parses requests one at a time from a byte stream, including pipelined requests and split reads.
///
/// Strict where RFC 9112 says MUST, beyond what http-parser enforces: the request line is checked as it
/// arrives (`method SP request-target SP HTTP/d.d CRLF`: anything else is 400, and a well-formed line with an
/// unknown method is 501), a field name followed by whitespace before its colon is 400 (§5.1), obsolete line
/// folding is 400 (§5.2), and an HTTP/1.1 request without exactly one Host field is 400 (§3.2). Both
/// Content-Length and Transfer-Encoding is 400 (http-parser's own check).
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
    /// A rule or limit broken at byte `at` of a consume() call's data.
    struct Fault {
        std::size_t at;
        int status;
        std::string reason;
    };
    /// Runs the strictness checks and the line and header limits over the raw bytes of the request line
    /// and header section (it stops at the end of the section, or at the first fault, which it returns).
    std::optional<Fault> scan(const char* data, std::size_t size);
    /// The bytes of one consume() call and how far scan() has read them.
    struct ScanCursor {
        const unsigned char* p;
        std::size_t size;
        std::size_t i = 0;
    };
    /// The request line's state machine (line_start ... line_cr), with its limit (--max-request-line).
    std::optional<Fault> scan_request_line(ScanCursor& c);
    /// The header section's state machine (field_start ... end_cr), with its field-count and size limits.
    std::optional<Fault> scan_header_section(ScanCursor& c);
    // The limits are checked on every step of every request: the checks are inline, the faults out of line
    // (as one scan() with lambdas was; out-of-line checks cost ~500 instructions per request).
    /// Adds the request-line bytes [from, to); false (nothing added) when they pass the limit.
    bool line_fits(std::size_t from, std::size_t to) {
        if (line_bytes_ + (to - from) > limits_.max_request_line) return false;
        line_bytes_ += to - from;
        return true;
    }
    /// Adds the header-section bytes [from, to); false (nothing added) when they pass the limit.
    bool section_fits(std::size_t from, std::size_t to) {
        if (header_bytes_ + (to - from) > limits_.max_header_bytes) return false;
        header_bytes_ += to - from;
        return true;
    }
    /// The 414 of a request line that passed its limit in the bytes from `from`: at the first byte beyond it.
    std::optional<Fault> line_fault(std::size_t from) const;
    /// The 431 of a header section that passed its limit in the bytes from `from`.
    std::optional<Fault> section_fault(std::size_t from) const;
    static std::optional<Fault> fault(std::size_t at, int status, std::string reason);
    static std::optional<Fault> bare_cr(std::size_t at);
    void check_host();

    /// Where scan() stands in the current request's request line and header section.
    enum class Scan : unsigned char {
        line_start,    ///< before the request line (empty lines are skipped, as RFC 9112 §2.2 allows)
        method,        ///< in the method token
        target_start,  ///< after the first SP: the target's first byte
        target,        ///< in the request target
        version,       ///< matching "HTTP/d.d" (version_pos_ bytes matched)
        line_cr,       ///< after the version and CR: LF must follow
        field_start,   ///< at the start of a header line (or of the empty line ending the section)
        field_name,    ///< before the colon
        field_value,   ///< after the colon, until CR or LF
        field_cr,      ///< CR in a field line: LF must follow
        end_cr,        ///< CR of the empty line seen: LF ends the section
        done,          ///< the header section ended (the body is http-parser's alone)
    };

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
    bool in_trailers_ = false;     ///< the header section is complete: further fields are trailers
    bool method_pending_ = false;  ///< http-parser refused the method before the line was complete
    std::size_t fields_ = 0;       ///< header fields started
    Scan scan_ = Scan::line_start;
    unsigned char version_pos_ = 0;
    std::size_t line_bytes_ = 0;
    std::size_t header_bytes_ = 0;
};

}  // namespace slowio
