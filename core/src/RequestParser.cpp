#include "core/RequestParser.hpp"

#include <fmt/format.h>
#include <http_parser.h>

#include <algorithm>

namespace slowio {

namespace {
// Longest method http-parser knows ("MKCALENDAR", "M-SEARCH"...) plus two spaces and "HTTP/1.1".
constexpr std::size_t request_line_overhead = 12 + 2 + 8;
}  // namespace

struct RequestParser::Impl {
    http_parser parser{};
    static const http_parser_settings settings;

    static RequestParser& self(http_parser* p) { return *static_cast<RequestParser*>(p->data); }

    static int on_message_begin(http_parser* p) {
        self(p).started_ = true;
        return 0;
    }
    static int on_url(http_parser* p, const char* at, std::size_t length) {
        RequestParser& s = self(p);
        s.started_ = true;
        s.line_bytes_ += length;
        if (s.line_bytes_ + request_line_overhead > s.limits_.max_request_line) {
            s.fail(414, fmt::format("request line longer than {} bytes", s.limits_.max_request_line));
            return -1;
        }
        s.current_.target.append(at, length);
        return 0;
    }
    static int on_header_field(http_parser* p, const char* at, std::size_t length) {
        RequestParser& s = self(p);
        if (s.last_was_value_ || s.current_.headers.empty()) {
            // A new field starts: the previous pair (if any) is complete.
            if (s.current_.headers.size() >= s.limits_.max_header_count) {
                s.fail(431, fmt::format("more than {} header fields", s.limits_.max_header_count));
                return -1;
            }
            s.current_.headers.emplace_back();
            s.last_was_value_ = false;
        }
        if (!add_header_bytes(s, length)) return -1;
        s.current_.headers.back().first.append(at, length);
        return 0;
    }
    static int on_header_value(http_parser* p, const char* at, std::size_t length) {
        RequestParser& s = self(p);
        s.last_was_value_ = true;
        if (!add_header_bytes(s, length)) return -1;
        s.current_.headers.back().second.append(at, length);
        return 0;
    }
    static bool add_header_bytes(RequestParser& s, std::size_t length) {
        s.header_bytes_ += length;
        if (s.header_bytes_ > s.limits_.max_header_bytes) {
            s.fail(431, fmt::format("header fields larger than {} bytes", s.limits_.max_header_bytes));
            return false;
        }
        return true;
    }
    static int on_headers_complete(http_parser* p) {
        RequestParser& s = self(p);
        if (p->http_major != 1) {
            s.fail(505, fmt::format("HTTP/{}.{} is not supported; use HTTP/1.0 or HTTP/1.1", p->http_major,
                                    p->http_minor));
            return -1;
        }
        const bool chunked = (p->flags & F_CHUNKED) != 0;
        if (!chunked && p->content_length != ULLONG_MAX && p->content_length > s.limits_.max_body) {
            s.fail(413, fmt::format("body of {} bytes exceeds the limit of {} bytes", p->content_length,
                                    s.limits_.max_body));
            return -1;
        }
        HttpRequest& r = s.current_;
        r.method = http_method_str(static_cast<http_method>(p->method));
        r.version_major = p->http_major;
        r.version_minor = p->http_minor;
        r.keep_alive = http_should_keep_alive(p) != 0;
        const auto q = r.target.find('?');
        r.path = r.target.substr(0, q);
        r.query = q == std::string::npos ? std::string() : r.target.substr(q + 1);
        return 0;
    }
    static int on_body(http_parser* p, const char* at, std::size_t length) {
        RequestParser& s = self(p);
        if (s.current_.body.size() + length > s.limits_.max_body) {
            s.fail(413, fmt::format("body exceeds the limit of {} bytes", s.limits_.max_body));
            return -1;
        }
        s.current_.body.append(at, length);
        return 0;
    }
    static int on_message_complete(http_parser* p) {
        RequestParser& s = self(p);
        s.state_ = State::complete;
        // Stop right after this message so pipelined bytes stay with the caller until take() or next().
        http_parser_pause(p, 1);
        return 0;
    }
};

const http_parser_settings RequestParser::Impl::settings = [] {
    http_parser_settings s{};
    s.on_message_begin = &Impl::on_message_begin;
    s.on_url = &Impl::on_url;
    s.on_header_field = &Impl::on_header_field;
    s.on_header_value = &Impl::on_header_value;
    s.on_headers_complete = &Impl::on_headers_complete;
    s.on_body = &Impl::on_body;
    s.on_message_complete = &Impl::on_message_complete;
    return s;
}();

RequestParser::RequestParser(ParserLimits limits) : limits_(limits), impl_(std::make_unique<Impl>()) {
    reset();
}

RequestParser::~RequestParser() = default;

void RequestParser::reset() {
    // A fresh http_parser per request: keep-alive is decided per request by us, and a parser that saw
    // "Connection: close" would otherwise refuse the next bytes.
    http_parser_init(&impl_->parser, HTTP_REQUEST);
    impl_->parser.data = this;
    state_ = State::need_more;
    started_ = false;
    current_ = HttpRequest{};
    last_was_value_ = false;
    line_bytes_ = 0;
    header_bytes_ = 0;
}

void RequestParser::fail(int status, std::string reason) {
    state_ = State::error;
    error_status_ = status;
    error_reason_ = std::move(reason);
}

HttpResponse RequestParser::error() const {
    return error_response(error_status_, error_reason_, /*close=*/true);
}

std::size_t RequestParser::consume(const char* data, std::size_t size) {
    if (state_ != State::need_more || size == 0) return 0;
    const std::size_t used = http_parser_execute(&impl_->parser, &Impl::settings, data, size);
    if (state_ == State::complete || state_ == State::error) return used;
    const auto err = HTTP_PARSER_ERRNO(&impl_->parser);
    if (err == HPE_OK) return used;
    switch (err) {
        case HPE_INVALID_METHOD:
            fail(501, "method not implemented");
            break;
        case HPE_HEADER_OVERFLOW:
            fail(431, "request header section too large");
            break;
        default:
            fail(400, fmt::format("malformed request: {}", http_errno_description(err)));
    }
    return used;
}

HttpRequest RequestParser::take() {
    HttpRequest request = std::move(current_);
    reset();
    return request;
}

}  // namespace slowio
