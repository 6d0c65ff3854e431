#include "core/RequestParser.hpp"

#include <fmt/format.h>
#include <http_parser.h>

#include <algorithm>
#include <array>
#include <cstring>
#include <string_view>

namespace slowio {

namespace {

// Byte classes for scan(): RFC 9110 §5.6.2 tchar (a method), a request-target byte (anything visible; bytes
// >= 0x80 are left to http-parser's URL rules), and a field-name byte as far as scan() cares (anything up to
// the colon but whitespace and line ends: http-parser checks the token rules).
constexpr unsigned char tchar = 1, target = 2, name_byte = 4;

constexpr std::array<unsigned char, 256> make_byte_classes() {
    std::array<unsigned char, 256> t{};
    for (int c = 0; c < 256; ++c) {
        const bool alnum = (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
        const bool special = c == '!' || c == '#' || c == '$' || c == '%' || c == '&' || c == '\'' ||
                             c == '*' || c == '+' || c == '-' || c == '.' || c == '^' || c == '_' ||
                             c == '`' || c == '|' || c == '~';
        unsigned char v = 0;
        if (alnum || special) v |= tchar;
        if (c > 0x20 && c != 0x7f) v |= target;
        if (c != ' ' && c != '\t' && c != '\r' && c != '\n' && c != ':') v |= name_byte;
        t[static_cast<std::size_t>(c)] = v;
    }
    return t;
}
constexpr auto byte_class = make_byte_classes();

constexpr char version_pattern[] = "HTTP/#.#";  // '#': a digit
constexpr std::size_t version_length = sizeof(version_pattern) - 1;

bool is_digit(unsigned char c) {
    return c >= '0' && c <= '9';
}

/// ASCII case-insensitive equality with a lower-case `lower` (field names are ASCII tokens).
bool iequals(const std::string& a, std::string_view lower) {
    if (a.size() != lower.size()) return false;
    for (std::size_t i = 0; i < a.size(); ++i)
        if ((static_cast<unsigned char>(a[i]) | 0x20) != static_cast<unsigned char>(lower[i])) return false;
    return true;
}

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
        s.current_.target.append(at, length);  // its length is bounded by scan()'s request-line limit
        return 0;
    }
    static int on_header_field(http_parser* p, const char* at, std::size_t length) {
        RequestParser& s = self(p);
        if (s.in_trailers_) return 0;  // see on_headers_complete
        if (s.last_was_value_ || s.current_.headers.empty()) {
            // A new field starts: the previous pair (if any) is complete. (Their number and size are bounded
            // by scan(), at the exact byte, before http-parser sees them.)
            s.current_.headers.emplace_back();
            s.last_was_value_ = false;
        }
        s.current_.headers.back().first.append(at, length);
        return 0;
    }
    static int on_header_value(http_parser* p, const char* at, std::size_t length) {
        RequestParser& s = self(p);
        if (s.in_trailers_) return 0;
        s.last_was_value_ = true;
        s.current_.headers.back().second.append(at, length);
        return 0;
    }
    static int on_headers_complete(http_parser* p) {
        RequestParser& s = self(p);
        // Fields after this are a chunked body's trailers: discarded (RFC 9110 section 6.5.1 allows it; they
        // must not be merged into the header section), so scan()'s count and size bounds, which end with the
        // header section, bound everything kept. http-parser bounds the trailers' size itself.
        s.in_trailers_ = true;
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
        if (p->http_minor == 1) {
            s.check_host();
            if (s.state_ == State::error) return -1;
        }
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
    in_trailers_ = false;
    method_pending_ = false;
    fields_ = 0;
    scan_ = Scan::line_start;
    version_pos_ = 0;
    line_bytes_ = 0;
    header_bytes_ = 0;
}

void RequestParser::check_host() {
    std::size_t hosts = 0;
    for (const auto& [name, value] : current_.headers) hosts += iequals(name, "host") ? 1 : 0;
    if (hosts == 0) fail(400, "HTTP/1.1 request without a Host header field (RFC 9112 section 3.2)");
    if (hosts > 1) fail(400, "more than one Host header field (RFC 9112 section 3.2)");
}

std::optional<RequestParser::Fault> RequestParser::fault(std::size_t at, int status, std::string reason) {
    return Fault{at, status, std::move(reason)};
}

std::optional<RequestParser::Fault> RequestParser::bare_cr(std::size_t at) {
    return fault(at, 400, "CR not followed by LF (RFC 9112 section 2.2)");
}

std::optional<RequestParser::Fault> RequestParser::line_fault(std::size_t from) const {
    return fault(from + (limits_.max_request_line - line_bytes_), 414,
                 fmt::format("request line longer than {} bytes", limits_.max_request_line));
}

std::optional<RequestParser::Fault> RequestParser::section_fault(std::size_t from) const {
    return fault(from + (limits_.max_header_bytes - header_bytes_), 431,
                 fmt::format("header section larger than {} bytes", limits_.max_header_bytes));
}

// Inlined into scan() (its one caller), so the split into two grammars costs nothing per request.
[[gnu::always_inline]] inline std::optional<RequestParser::Fault> RequestParser::scan_request_line(
    ScanCursor& c) {
    const unsigned char* p = c.p;
    const std::size_t size = c.size;
    std::size_t& i = c.i;
    const auto bad_line = [&] { return fault(i, 400, "malformed request line (RFC 9112 section 3)"); };
    while (i < size && scan_ <= Scan::line_cr) {
        const std::size_t from = i;
        switch (scan_) {
            case Scan::line_start:
                while (i < size && (p[i] == '\r' || p[i] == '\n')) ++i;  // the CRLF of an empty line
                if (i == size) return std::nullopt;
                if (!(byte_class[p[i]] & tchar)) return bad_line();
                started_ = true;
                scan_ = Scan::method;
                continue;  // the method's bytes are counted by its loop
            case Scan::target_start:
                if (!(byte_class[p[i]] & target)) return bad_line();
                scan_ = Scan::target;
                continue;
            case Scan::method:
            case Scan::target: {  // a run of its byte class, ended by one SP
                const bool method = scan_ == Scan::method;
                const unsigned char cls = method ? tchar : target;
                while (i < size && (byte_class[p[i]] & cls)) ++i;
                if (!line_fits(from, i)) return line_fault(from);
                if (i == size) return std::nullopt;
                if (p[i] != ' ') return bad_line();
                scan_ = method ? Scan::target_start : Scan::version;
                version_pos_ = 0;
                break;
            }
            case Scan::version:
                if (version_pos_ < version_length) {
                    const char want = version_pattern[version_pos_];
                    if (want == '#' ? !is_digit(p[i]) : p[i] != static_cast<unsigned char>(want))
                        return bad_line();
                    ++version_pos_;
                } else if (p[i] == '\r') {
                    scan_ = Scan::line_cr;
                } else if (p[i] == '\n') {
                    scan_ = Scan::field_start;
                } else {
                    return bad_line();
                }
                break;
            case Scan::line_cr:
                if (p[i] != '\n') return bare_cr(i);
                scan_ = Scan::field_start;
                break;
            default:  // the header section's states: scan() never calls this there
                return std::nullopt;
        }
        ++i;  // a single-byte step (its loops stop on the byte they judge); the line's LF counts as the
              // line's
        if (!line_fits(i - 1, i)) return line_fault(i - 1);
    }
    return std::nullopt;
}

[[gnu::always_inline]] inline std::optional<RequestParser::Fault> RequestParser::scan_header_section(
    ScanCursor& c) {
    const unsigned char* p = c.p;
    const std::size_t size = c.size;
    std::size_t& i = c.i;
    while (i < size) {
        const std::size_t from = i;
        switch (scan_) {
            case Scan::field_start:
                if (p[i] == ' ' || p[i] == '\t')
                    return fault(i, 400,
                                 "obsolete line folding in the header section (RFC 9112 section 5.2)");
                if (p[i] == '\n') {
                    scan_ = Scan::done;
                    return std::nullopt;
                }
                if (p[i] == '\r') {
                    scan_ = Scan::end_cr;
                } else {
                    if (++fields_ > limits_.max_header_count)
                        return fault(i, 431,
                                     fmt::format("more than {} header fields", limits_.max_header_count));
                    scan_ = Scan::field_name;
                }
                break;
            case Scan::field_name:
                while (i < size && (byte_class[p[i]] & name_byte)) ++i;
                if (!section_fits(from, i)) return section_fault(from);
                if (i == size) return std::nullopt;
                if (p[i] == ' ' || p[i] == '\t')
                    return fault(
                        i, 400,
                        "whitespace in a header field name or before its colon (RFC 9112 section 5.1)");
                // ':' starts the value; a line without a colon is http-parser's error to report
                scan_ = p[i] == ':' ? Scan::field_value : p[i] == '\r' ? Scan::field_cr : Scan::field_start;
                break;
            case Scan::field_value: {
                // The bulk of a header section: skip to the next CR or LF (http-parser checks the bytes).
                const auto* lf = static_cast<const unsigned char*>(std::memchr(p + i, '\n', size - i));
                const std::size_t end = lf ? static_cast<std::size_t>(lf - p) : size;
                const auto* cr = static_cast<const unsigned char*>(std::memchr(p + i, '\r', end - i));
                const std::size_t stop = cr ? static_cast<std::size_t>(cr - p) : end;
                if (!section_fits(i, stop)) return section_fault(i);
                i = stop;
                if (i == size) return std::nullopt;
                scan_ = cr ? Scan::field_cr : Scan::field_start;
                break;
            }
            case Scan::field_cr:
                if (p[i] != '\n') return bare_cr(i);
                scan_ = Scan::field_start;
                break;
            case Scan::end_cr:
                if (p[i] != '\n') return bare_cr(i);
                scan_ = Scan::done;
                return std::nullopt;
            default:  // done (or the request line's states: scan() never calls this there)
                return std::nullopt;
        }
        if (!section_fits(i, i + 1)) return section_fault(i);  // the byte that decided the step
        ++i;
    }
    return std::nullopt;
}

std::optional<RequestParser::Fault> RequestParser::scan(const char* data, std::size_t size) {
    // Tight loops over byte classes (a table lookup per byte; values are skipped with memchr): this runs on
    // every request's bytes, the /health fast path included. Every limit and rule is checked at the exact
    // byte that breaks it, so where a read ends never changes the outcome. One state machine per grammar,
    // as nginx's ngx_http_parse_request_line / ngx_http_parse_header_line: each returns when its grammar
    // ends, the data runs out, or at a fault.
    ScanCursor c{reinterpret_cast<const unsigned char*>(data), size};
    while (c.i < c.size && scan_ != Scan::done) {
        auto f = scan_ <= Scan::line_cr ? scan_request_line(c) : scan_header_section(c);
        if (f) return f;  // scan_ stays where the fault is: whether the line ended is part of the verdict
    }
    return std::nullopt;
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
    const std::optional<Fault> fault = scan(data, size);
    // The request line ended (before the fault, if any): scan() stops at a fault, in the state it was in.
    const bool line_done = scan_ > Scan::line_cr;
    // http-parser knows a fixed list of methods and stops at the first byte off it. A well-formed request
    // line with another token is 501, decided where the line ends; a line broken before that is 400/414.
    const auto judge_method = [&] {
        if (line_done)
            fail(501, "method not implemented");
        else if (fault)
            fail(fault->status, fault->reason);
        else
            method_pending_ = true;
        return size;
    };
    if (method_pending_) return judge_method();
    // http-parser sees only the bytes before scan()'s fault: the first bad byte decides, wherever reads end.
    const std::size_t limit = fault ? fault->at : size;
    const std::size_t used = limit ? http_parser_execute(&impl_->parser, &Impl::settings, data, limit) : 0;
    if (state_ == State::complete || state_ == State::error) return used;
    const auto err = HTTP_PARSER_ERRNO(&impl_->parser);
    if (err == HPE_INVALID_METHOD) return judge_method();
    if (err == HPE_OK) {
        if (!fault) return used;
        fail(fault->status, fault->reason);
        return size;
    }
    if (err == HPE_HEADER_OVERFLOW)
        fail(431, "request header section too large");
    else
        fail(400, fmt::format("malformed request: {}", http_errno_description(err)));
    return used;
}

HttpRequest RequestParser::take() {
    HttpRequest request = std::move(current_);
    reset();
    return request;
}

}  // namespace slowio
