#pragma once
#include <http_parser.h>

#include <chrono>
#include <cstddef>
#include <string>

namespace slowio::loadgen {

/// Incremental HTTP/1.x response parser over http-parser (HTTP_RESPONSE mode). Fed whatever a read returned;
/// reports when one full response has arrived, its status and whether the server keeps the connection open.
/// Bodies are discarded unless capture_body is set (the scraper wants /metrics text; the load path does not).
class ResponseParser {
  public:
    /// Result of one feed() call.
    enum class Status { incomplete, complete, error };

    /// `capture_body` keeps the body text; `head_request` tells the parser a HEAD response has no body.
    explicit ResponseParser(bool capture_body = false);
    ResponseParser(const ResponseParser&) = delete;
    ResponseParser& operator=(const ResponseParser&) = delete;

    /// Starts a new response (call before each request).
    void reset(bool head_request = false);
    /// Feeds bytes; stops at the end of the first complete response.
    Status feed(const char* data, std::size_t size);
    /// Tells the parser the peer closed: completes a read-until-close response, else reports error (and
    /// feed() then reports error too, until reset()).
    Status feed_eof();

    /// HTTP status code (valid once headers are in): 100..999 when feed() reports complete (any other code
    /// is an error).
    unsigned status_code() const { return parser_.status_code; }
    /// Whether the connection may be reused after this response (HTTP/1.1 default, Connection headers).
    bool keep_alive() const { return keep_alive_; }
    /// The response's `Retry-After` in delta-seconds (0 when absent or an HTTP-date, which we do not read).
    std::chrono::seconds retry_after() const { return retry_after_; }
    /// Body bytes, when capturing.
    const std::string& body() const { return body_; }
    /// Why the response was refused: http-parser's description of the last error, or ours.
    const char* error_text() const;

  private:
    static int on_header_field(http_parser* p, const char* at, std::size_t len);
    static int on_header_value(http_parser* p, const char* at, std::size_t len);
    static int on_headers_complete(http_parser* p);
    static int on_body(http_parser* p, const char* at, std::size_t len);
    static int on_message_complete(http_parser* p);

    http_parser parser_{};
    bool capture_body_;
    bool head_request_ = false;
    bool bad_status_ = false;    ///< the status code was below 100
    bool closed_early_ = false;  ///< feed_eof() came before a complete response
    bool complete_ = false;
    bool keep_alive_ = true;
    std::string body_;
    // Retry-After: a field name or value may arrive split over reads; names longer than ours are not kept.
    std::string field_;
    std::string value_;
    bool in_value_ = false;
    std::chrono::seconds retry_after_{0};
    void end_field();
};

}  // namespace slowio::loadgen
