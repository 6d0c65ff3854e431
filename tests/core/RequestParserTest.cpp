#include <catch2/catch.hpp>
#include <string>
#include <vector>

#include "core/RequestParser.hpp"

using slowio::HttpRequest;
using slowio::ParserLimits;
using slowio::RequestParser;
using State = RequestParser::State;

namespace {

/// Feeds `bytes` in chunks of at most `chunk` bytes; returns every request and the final state.
struct FeedResult {
    std::vector<HttpRequest> requests;
    State state = State::need_more;
    int error_status = 0;
};

FeedResult feed(RequestParser& parser, const std::string& bytes, std::size_t chunk) {
    FeedResult out;
    std::size_t pos = 0;
    while (pos < bytes.size()) {
        const std::size_t n = std::min(chunk, bytes.size() - pos);
        std::size_t used_total = 0;
        while (used_total < n) {
            const std::size_t used = parser.consume(bytes.data() + pos + used_total, n - used_total);
            used_total += used;
            if (parser.state() == State::complete) {
                out.requests.push_back(parser.take());
            } else if (parser.state() == State::error) {
                out.state = State::error;
                out.error_status = parser.error().status;
                return out;
            } else {
                REQUIRE(used == n - (used_total - used));  // need_more: everything was taken
                break;
            }
        }
        pos += n;
    }
    out.state = parser.state();
    return out;
}

int error_of(const std::string& bytes, ParserLimits limits = {}) {
    RequestParser parser(limits);
    const auto r = feed(parser, bytes, bytes.size());
    return r.state == State::error ? r.error_status : 0;
}

}  // namespace

TEST_CASE("parses a simple GET with headers, path and query", "[parser]") {
    RequestParser p;
    const std::string req = "GET /users/42?x=1&y=2 HTTP/1.1\r\nHost: a\r\nX-Thing: yes\r\n\r\n";
    REQUIRE(p.consume(req.data(), req.size()) == req.size());
    REQUIRE(p.state() == State::complete);
    const HttpRequest r = p.take();
    CHECK(r.method == "GET");
    CHECK(r.target == "/users/42?x=1&y=2");
    CHECK(r.path == "/users/42");
    CHECK(r.query == "x=1&y=2");
    CHECK(r.query_param("y") == "2");
    CHECK(r.version_major == 1);
    CHECK(r.version_minor == 1);
    CHECK(r.keep_alive);
    REQUIRE(r.header("x-thing") != nullptr);
    CHECK(*r.header("X-THING") == "yes");
    CHECK(r.header("missing") == nullptr);
    CHECK(p.state() == State::need_more);
}

TEST_CASE("keep-alive rules for HTTP/1.0 and 1.1 and Connection", "[parser]") {
    auto keep = [](const std::string& req) {
        RequestParser p;
        p.consume(req.data(), req.size());
        REQUIRE(p.state() == State::complete);
        return p.take().keep_alive;
    };
    CHECK(keep("GET / HTTP/1.1\r\nHost: h\r\n\r\n"));
    CHECK_FALSE(keep("GET / HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n"));
    CHECK_FALSE(keep("GET / HTTP/1.0\r\n\r\n"));
    CHECK(keep("GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n"));
}

TEST_CASE("body with Content-Length and chunked body", "[parser]") {
    RequestParser p;
    const std::string req = "POST /work?n=5 HTTP/1.1\r\nHost: h\r\nContent-Length: 5\r\n\r\nhello";
    p.consume(req.data(), req.size());
    REQUIRE(p.state() == State::complete);
    CHECK(p.take().body == "hello");
    const std::string chunked =
        "POST /jobs HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: "
        "chunked\r\n\r\n3\r\nabc\r\n2\r\nde\r\n0\r\n\r\n";
    p.consume(chunked.data(), chunked.size());
    REQUIRE(p.state() == State::complete);
    CHECK(p.take().body == "abcde");
}

TEST_CASE("pipelined requests are returned one at a time, in order", "[parser]") {
    std::string bytes;
    for (int i = 0; i < 5; ++i) bytes += "GET /users/" + std::to_string(i) + " HTTP/1.1\r\nHost: h\r\n\r\n";
    bytes += "POST /work HTTP/1.1\r\nHost: h\r\nContent-Length: 3\r\n\r\nxyz";
    RequestParser p;
    const auto r = feed(p, bytes, bytes.size());
    REQUIRE(r.requests.size() == 6);
    for (int i = 0; i < 5; ++i)
        CHECK(r.requests[static_cast<std::size_t>(i)].path == "/users/" + std::to_string(i));
    CHECK(r.requests[5].body == "xyz");
}

TEST_CASE("split reads at every byte boundary give the same requests", "[parser]") {
    const std::string bytes =
        "GET /users/7?q=1 HTTP/1.1\r\nHost: example\r\nX-Long-Header-Name: some value here\r\n\r\n"
        "POST /jobs?n=10 HTTP/1.1\r\nHost: h\r\nContent-Length: 4\r\nConnection: close\r\n\r\nbody";
    for (std::size_t split = 1; split < bytes.size(); ++split) {
        RequestParser p;
        FeedResult r;
        // Two reads: [0, split) and [split, end).
        std::vector<HttpRequest> got;
        for (const auto& part : {bytes.substr(0, split), bytes.substr(split)}) {
            std::size_t pos = 0;
            while (pos < part.size()) {
                pos += p.consume(part.data() + pos, part.size() - pos);
                REQUIRE(p.state() != State::error);
                if (p.state() == State::complete)
                    got.push_back(p.take());
                else
                    break;
            }
        }
        INFO("split at " << split);
        REQUIRE(got.size() == 2);
        CHECK(got[0].target == "/users/7?q=1");
        CHECK(*got[0].header("x-long-header-name") == "some value here");
        CHECK(got[0].keep_alive);
        CHECK(got[1].path == "/jobs");
        CHECK(got[1].body == "body");
        CHECK_FALSE(got[1].keep_alive);
    }
    // And one byte at a time.
    RequestParser p;
    const auto r = feed(p, bytes, 1);
    CHECK(r.requests.size() == 2);
}

TEST_CASE("started() tracks a partially received request", "[parser]") {
    RequestParser p;
    CHECK_FALSE(p.started());
    p.consume("GE", 2);
    CHECK(p.started());
    const std::string rest = "T / HTTP/1.1\r\nHost: h\r\n\r\n";
    p.consume(rest.data(), rest.size());
    REQUIRE(p.state() == State::complete);
    p.take();
    CHECK_FALSE(p.started());
}

TEST_CASE("limits map to the documented status codes", "[parser]") {
    SECTION("request line over 8 KiB -> 414") {
        CHECK(error_of("GET /" + std::string(9000, 'a') + " HTTP/1.1\r\nHost: h\r\n\r\n") == 414);
        // Detected before the line ends (no newline yet), so a slow client cannot make us buffer it.
        CHECK(error_of("GET /" + std::string(9000, 'a')) == 414);
        // Just under the limit is fine.
        CHECK(error_of("GET /" + std::string(8000, 'a') + " HTTP/1.1\r\nHost: h\r\n\r\n") == 0);
    }
    SECTION("headers over 16 KiB -> 431") {
        std::string req = "GET / HTTP/1.1\r\nHost: h\r\n";
        for (int i = 0; i < 20; ++i)
            req += "X-H" + std::to_string(i) + ": " + std::string(1000, 'v') + "\r\n";
        CHECK(error_of(req + "\r\n") == 431);
    }
    SECTION("more than 100 header fields -> 431") {
        std::string req = "GET / HTTP/1.1\r\nHost: h\r\n";
        for (int i = 0; i < 101; ++i) req += "X-" + std::to_string(i) + ": v\r\n";
        CHECK(error_of(req + "\r\n") == 431);
        std::string ok = "GET / HTTP/1.1\r\nHost: h\r\n";  // Host and 99 more: 100 fields
        for (int i = 0; i < 99; ++i) ok += "X-" + std::to_string(i) + ": v\r\n";
        CHECK(error_of(ok + "\r\n") == 0);
    }
    SECTION("body over 1 MiB -> 413, from Content-Length and from chunks") {
        CHECK(error_of("POST /work HTTP/1.1\r\nHost: h\r\nContent-Length: 1048577\r\n\r\n") == 413);
        ParserLimits small;
        small.max_body = 10;
        CHECK(error_of("POST /jobs HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: "
                       "chunked\r\n\r\n8\r\n12345678\r\n8\r\n12345678\r\n",
                       small) == 413);
    }
    SECTION("malformed -> 400") {
        CHECK(error_of("GET / HTTP/1.1\r\nHost: h\r\nBad Header\r\n\r\n") == 400);
        CHECK(error_of("GET / HTTP/1.x\r\n\r\n") == 400);
        CHECK(error_of("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\nab") ==
              400);
        CHECK(error_of("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: abc\r\n\r\n") == 400);
        CHECK(error_of("\x01\x02\x03 garbage\r\n\r\n") != 0);
    }
    SECTION("unsupported version -> 505") {
        CHECK(error_of("GET / HTTP/2.0\r\n\r\n") == 505);
        CHECK(error_of("GET / HTTP/0.9\r\n\r\n") == 505);
    }
    SECTION("unknown method token -> 501") {
        CHECK(error_of("FROB / HTTP/1.1\r\nHost: h\r\n\r\n") == 501);
    }
}

TEST_CASE("RFC 9112 strictness: each MUST is a 400 (501 only for a well-formed line), whole or split",
          "[parser]") {
    struct Case {
        const char* what;
        std::string bytes;
        int status;
        const char* reason;
    };
    const std::vector<Case> cases = {
        {"garbage request line", "GARBAGE\r\n\r\n", 400, "malformed request line"},
        {"no version", "GET /\r\nHost: h\r\n\r\n", 400, "malformed request line"},
        {"two spaces", "GET  / HTTP/1.1\r\nHost: h\r\n\r\n", 400, "malformed request line"},
        {"lower-case version", "GET / http/1.1\r\nHost: h\r\n\r\n", 400, "malformed request line"},
        {"unknown method, well-formed line", "BREW /pot HTTP/1.1\r\nHost: h\r\n\r\n", 501,
         "method not implemented"},
        {"unknown method, malformed line", "BREW /pot\r\n\r\n", 400, "malformed request line"},
        {"HTTP/1.1 without Host", "GET / HTTP/1.1\r\n\r\n", 400, "without a Host"},
        {"two Host fields", "GET / HTTP/1.1\r\nHost: a\r\nhost: b\r\n\r\n", 400, "more than one Host"},
        {"space before the colon", "GET / HTTP/1.1\r\nHost : h\r\n\r\n", 400, "before its colon"},
        {"tab before the colon", "GET / HTTP/1.1\r\nHost: h\r\nX-A\t: v\r\n\r\n", 400, "before its colon"},
        {"bare CR in a field value (a smuggling vector)",
         "GET / HTTP/1.1\r\nHost: h\r\nX:\r;\r\nGET /smuggled HTTP/1.1\r\nHost: h\r\n\r\n", 400,
         "CR not followed by LF"},
        {"bare CR ending the request line", "GET / HTTP/1.1\rHost: h\r\n\r\n", 400, "CR not followed by LF"},
        {"obsolete line folding", "GET / HTTP/1.1\r\nHost: h\r\nX-A: one\r\n two\r\n\r\n", 400,
         "obsolete line folding"},
        {"Content-Length and Transfer-Encoding",
         "POST /jobs HTTP/1.1\r\nHost: h\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
         400, "malformed request"},
    };
    for (const auto& c : cases) {
        for (const std::size_t chunk : {c.bytes.size(), std::size_t{1}, std::size_t{3}}) {
            INFO(c.what << ", fed " << chunk << " bytes at a time");
            RequestParser p;
            const auto r = feed(p, c.bytes, chunk);
            REQUIRE(r.state == State::error);
            CHECK(r.error_status == c.status);
            CHECK(p.error().body.find(c.reason) != std::string::npos);
        }
    }
    // The first bad byte decides, wherever the reads end: an unknown method is judged where its line ends,
    // before a bad field after it; a broken line is 400 even if it later grows past the line limit.
    for (const std::size_t chunk : {std::size_t{1}, std::size_t{17}, std::size_t{4096}}) {
        INFO("fed " << chunk << " bytes at a time");
        RequestParser p1;
        CHECK(feed(p1, "FROB / HTTP/1.1\r\nHost : h\r\n\r\n", chunk).error_status == 501);
        RequestParser p2;
        CHECK(feed(p2, "GET a(" + std::string(9000, 'a') + " HTTP/1.1\r\nHost: h\r\n\r\n", chunk)
                  .error_status == 400);
        ParserLimits one;
        one.max_header_count = 1;
        RequestParser p3(one);
        CHECK(feed(p3, "GET / HTTP/1.0\r\nA: 1\r\nBB=\r\n\r\n", chunk).error_status == 431);
    }
    // What stays accepted: HTTP/1.0 without Host, empty lines before the request line, any token method
    // http-parser knows, absolute-form targets, empty values, no space after the colon.
    CHECK(error_of("GET / HTTP/1.0\r\n\r\n") == 0);
    CHECK(error_of("\r\nGET / HTTP/1.1\r\nHost: h\r\n\r\n") == 0);
    CHECK(error_of("OPTIONS * HTTP/1.1\r\nHost: h\r\n\r\n") == 0);
    CHECK(error_of("GET http://h/x?y=1 HTTP/1.1\r\nHost: h\r\n\r\n") == 0);
    CHECK(error_of("GET / HTTP/1.1\r\nHost:h\r\nX-Empty:\r\n\r\n") == 0);
    // The body is not header syntax: "\n " inside it is data.
    CHECK(error_of("POST /work HTTP/1.1\r\nHost: h\r\nContent-Length: 4\r\n\r\na\n b") == 0);
}

TEST_CASE("a chunked body's trailer fields are discarded, never merged into the headers", "[parser]") {
    const std::string head =
        "POST /jobs HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n";
    std::string trailers;
    for (int i = 0; i < 150; ++i) trailers += "X-T" + std::to_string(i) + ": v\r\nHost: other\r\n";
    for (const std::size_t chunk : {std::size_t{1}, std::size_t{7}, std::size_t{100000}}) {
        INFO("fed " << chunk << " bytes at a time");
        RequestParser p;
        const auto r = feed(p, head + trailers + "\r\n", chunk);
        REQUIRE(r.requests.size() == 1);
        CHECK(r.requests[0].body == "hello");
        CHECK(r.requests[0].headers.size() == 2);  // Host and Transfer-Encoding: 300 trailer fields dropped
        CHECK(*r.requests[0].header("host") == "h");
    }
    // A trailer section past http-parser's own bound is refused, not buffered.
    RequestParser p;
    const auto r = feed(p, head + "X-Big: " + std::string(200 * 1024, 'v') + "\r\n\r\n", 4096);
    CHECK(r.state == State::error);
    CHECK(r.error_status == 431);
}

TEST_CASE("every parser error closes the connection and says why", "[parser]") {
    RequestParser p;
    const std::string req = "GET / HTTP/2.0\r\n\r\n";
    p.consume(req.data(), req.size());
    REQUIRE(p.state() == State::error);
    CHECK(p.error().close);
    CHECK(p.error().body.find("HTTP/2.0 is not supported") != std::string::npos);
    // Nothing more is consumed after an error.
    CHECK(p.consume("GET / HTTP/1.1\r\nHost: h\r\n\r\n", 18) == 0);
}
