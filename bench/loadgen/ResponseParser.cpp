#include "ResponseParser.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <string_view>

namespace slowio::loadgen {

namespace {
http_parser_settings make_settings() {
    http_parser_settings s{};
    http_parser_settings_init(&s);
    return s;
}
}  // namespace

ResponseParser::ResponseParser(bool capture_body) : capture_body_(capture_body) {
    reset();
}

void ResponseParser::reset(bool head_request) {
    http_parser_init(&parser_, HTTP_RESPONSE);
    parser_.data = this;
    head_request_ = head_request;
    bad_status_ = false;
    closed_early_ = false;
    complete_ = false;
    keep_alive_ = true;
    body_.clear();
    field_.clear();
    value_.clear();
    in_value_ = false;
    retry_after_ = std::chrono::seconds(0);
}

void ResponseParser::end_field() {
    static constexpr std::string_view name = "retry-after";
    const bool match = field_.size() == name.size() &&
                       std::equal(field_.begin(), field_.end(), name.begin(), [](char a, char b) {
                           return static_cast<char>(std::tolower(static_cast<unsigned char>(a))) == b;
                       });
    if (match) {
        unsigned long long v = 0;
        const auto [end, ec] = std::from_chars(value_.data(), value_.data() + value_.size(), v);
        if (ec == std::errc() && end == value_.data() + value_.size() && v <= 86'400)
            retry_after_ = std::chrono::seconds(v);
    }
    field_.clear();
    value_.clear();
    in_value_ = false;
}

int ResponseParser::on_header_field(http_parser* p, const char* at, std::size_t len) {
    auto* self = static_cast<ResponseParser*>(p->data);
    if (self->in_value_) self->end_field();
    if (self->field_.size() + len <= 16)
        self->field_.append(at, len);
    else
        self->field_.assign(17, '-');  // longer than any name we read: never matches
    return 0;
}

int ResponseParser::on_header_value(http_parser* p, const char* at, std::size_t len) {
    auto* self = static_cast<ResponseParser*>(p->data);
    self->in_value_ = true;
    if (self->field_.size() == 11 && self->value_.size() + len <= 32) self->value_.append(at, len);
    return 0;
}

int ResponseParser::on_headers_complete(http_parser* p) {
    auto* self = static_cast<ResponseParser*>(p->data);
    if (self->in_value_) self->end_field();
    // http-parser takes a status code of 1 to 3 digits (it refuses only > 999); RFC 9110 §15 says three. A
    // code like 0 or 42 would be counted as neither a success nor an error: it is a protocol error.
    if (p->status_code < 100) {
        self->bad_status_ = true;
        return -1;
    }
    return self->head_request_ ? 1 : 0;  // 1 = "no body follows" (HEAD)
}

int ResponseParser::on_body(http_parser* p, const char* at, std::size_t len) {
    auto* self = static_cast<ResponseParser*>(p->data);
    if (self->capture_body_) self->body_.append(at, len);
    return 0;
}

int ResponseParser::on_message_complete(http_parser* p) {
    auto* self = static_cast<ResponseParser*>(p->data);
    self->complete_ = true;
    self->keep_alive_ = http_should_keep_alive(p) != 0;
    http_parser_pause(p, 1);  // stop here: anything after belongs to no request of ours
    return 0;
}

ResponseParser::Status ResponseParser::feed(const char* data, std::size_t size) {
    static const http_parser_settings settings = [] {
        auto s = make_settings();
        s.on_header_field = &ResponseParser::on_header_field;
        s.on_header_value = &ResponseParser::on_header_value;
        s.on_headers_complete = &ResponseParser::on_headers_complete;
        s.on_body = &ResponseParser::on_body;
        s.on_message_complete = &ResponseParser::on_message_complete;
        return s;
    }();
    if (complete_) return Status::complete;
    if (closed_early_) return Status::error;
    http_parser_execute(&parser_, &settings, data, size);
    if (complete_) return Status::complete;
    if (HTTP_PARSER_ERRNO(&parser_) != HPE_OK) return Status::error;
    return Status::incomplete;
}

ResponseParser::Status ResponseParser::feed_eof() {
    if (complete_) return Status::complete;
    // A zero-length execute is http-parser's end-of-stream signal (completes a read-until-close body).
    // Before the first byte, http-parser takes the end quietly (no error set): the close is the error then.
    feed(nullptr, 0);
    if (complete_) {
        keep_alive_ = false;
        return Status::complete;
    }
    closed_early_ = true;
    return Status::error;
}

const char* ResponseParser::error_text() const {
    if (bad_status_) return "status code below 100 (RFC 9110 section 15: three digits)";
    if (closed_early_ && HTTP_PARSER_ERRNO(&parser_) == HPE_OK) return "connection closed before a response";
    return http_errno_description(HTTP_PARSER_ERRNO(&parser_));
}

}  // namespace slowio::loadgen
