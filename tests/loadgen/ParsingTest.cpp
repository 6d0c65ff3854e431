// The small parsers: URLs, durations, path templates, HTTP responses, Prometheus text, the command line.
#include <catch2/catch.hpp>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "CommandLine.hpp"
#include "Duration.hpp"
#include "PathTemplate.hpp"
#include "PrometheusText.hpp"
#include "ResponseParser.hpp"
#include "Url.hpp"

using namespace slowio::loadgen;
using namespace std::chrono_literals;

TEST_CASE("URLs", "[loadgen][parse]") {
    auto u = parse_url("http://127.0.0.1:8080/users/1?x=2");
    REQUIRE(u);
    CHECK(u->host == "127.0.0.1");
    CHECK(u->port == 8080);
    CHECK(u->path == "/users/1?x=2");
    CHECK(u->authority() == "127.0.0.1:8080");
    auto d = parse_url("http://localhost");
    REQUIRE(d);
    CHECK(d->port == 80);
    CHECK(d->path == "/");
    auto v6 = parse_url("http://[::1]:9/m");
    REQUIRE(v6);
    CHECK(v6->host == "::1");
    CHECK(v6->authority() == "[::1]:9");
    CHECK_FALSE(parse_url("https://x/"));
    CHECK_FALSE(parse_url("http://:80/"));
    CHECK_FALSE(parse_url("http://x:0/"));
    CHECK_FALSE(parse_url("http://x:70000/"));
    CHECK_FALSE(parse_url("http://x:/"));
    CHECK_FALSE(parse_url("127.0.0.1:80"));
}

TEST_CASE("durations", "[loadgen][parse]") {
    CHECK(parse_duration("10s") == std::chrono::nanoseconds(10s));
    CHECK(parse_duration("10") == std::chrono::nanoseconds(10s));
    CHECK(parse_duration("250ms") == std::chrono::nanoseconds(250ms));
    CHECK(parse_duration("1.5s") == std::chrono::nanoseconds(1500ms));
    CHECK(parse_duration("2m") == std::chrono::nanoseconds(120s));
    CHECK(parse_duration("1h") == std::chrono::nanoseconds(3600s));
    CHECK(parse_duration("100us") == std::chrono::nanoseconds(100us));
    CHECK_FALSE(parse_duration(""));
    CHECK_FALSE(parse_duration("-1s"));
    CHECK_FALSE(parse_duration("5 s"));
    CHECK_FALSE(parse_duration("5x"));
    CHECK(format_duration(5s) == "5s");
    CHECK(format_duration(250ms) == "250ms");
    CHECK(format_duration(1500ms) == "1.5s");
}

TEST_CASE("path templates", "[loadgen][parse]") {
    std::string error;
    auto t = PathTemplate::parse("/users/{rand:1..3}/x", error);
    REQUIRE(t);
    CHECK_FALSE(t->is_static());
    std::mt19937_64 rng(1);
    std::set<std::string> seen;
    for (int i = 0; i < 200; ++i) {
        std::string out;
        t->expand(rng, out);
        seen.insert(out);
    }
    CHECK(seen == std::set<std::string>{"/users/1/x", "/users/2/x", "/users/3/x"});
    auto s = PathTemplate::parse("/health", error);
    REQUIRE(s);
    CHECK(s->is_static());
    CHECK_FALSE(PathTemplate::parse("users", error));
    CHECK_FALSE(PathTemplate::parse("/u/{rand:5..1}", error));
    CHECK_FALSE(PathTemplate::parse("/u/{rand:1..}", error));
    CHECK_FALSE(PathTemplate::parse("/u/{seq}", error));
    CHECK_FALSE(PathTemplate::parse("/u/{rand:1..2", error));
    CHECK(error.find("unclosed") != std::string::npos);
    // Found by tests/fuzz/PathTemplateFuzzer: the expansion goes into the request line, so a space, CR, LF or
    // other control byte would end the target early or inject a header.
    CHECK_FALSE(PathTemplate::parse("/a b", error));
    CHECK(error.find("0x20") != std::string::npos);
    CHECK_FALSE(PathTemplate::parse("/a\r\nX-Injected: 1", error));
    CHECK_FALSE(PathTemplate::parse("/a\tb", error));
    CHECK_FALSE(PathTemplate::parse("/a\x7f", error));
    CHECK(PathTemplate::parse("/a%20b?q=\xc3\xa9", error));
}

TEST_CASE("response parser handles every split point, chunked bodies and connection close",
          "[loadgen][parse]") {
    const std::string resp = "HTTP/1.1 503 Busy\r\nContent-Length: 5\r\nRetry-After: 1\r\n\r\nhello";
    for (std::size_t cut = 0; cut <= resp.size(); ++cut) {
        ResponseParser p(true);
        auto st = p.feed(resp.data(), cut);
        if (cut < resp.size()) {
            REQUIRE(st == ResponseParser::Status::incomplete);
            st = p.feed(resp.data() + cut, resp.size() - cut);
        }
        REQUIRE(st == ResponseParser::Status::complete);
        CHECK(p.status_code() == 503);
        CHECK(p.keep_alive());
        CHECK(p.body() == "hello");
    }
    ResponseParser p(true);
    const std::string chunked = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n";
    CHECK(p.feed(chunked.data(), chunked.size()) == ResponseParser::Status::complete);
    CHECK(p.body() == "abc");
    p.reset();
    const std::string closing = "HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 0\r\n\r\n";
    CHECK(p.feed(closing.data(), closing.size()) == ResponseParser::Status::complete);
    CHECK_FALSE(p.keep_alive());
    p.reset();
    const std::string until_eof = "HTTP/1.0 200 OK\r\n\r\nbody until close";
    CHECK(p.feed(until_eof.data(), until_eof.size()) == ResponseParser::Status::incomplete);
    CHECK(p.feed_eof() == ResponseParser::Status::complete);
    CHECK(p.body() == "body until close");
    p.reset();
    CHECK(p.feed("HTTP/1.1 200 OK\r\nContent-Length: 9\r\n\r\nabc", 41) ==
          ResponseParser::Status::incomplete);
    CHECK(p.feed_eof() == ResponseParser::Status::error);
    p.reset();
    CHECK(p.feed("garbage\r\n\r\n", 11) == ResponseParser::Status::error);
    p.reset(true);  // HEAD: Content-Length without a body
    const std::string head = "HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n";
    CHECK(p.feed(head.data(), head.size()) == ResponseParser::Status::complete);
    // Found by tests/fuzz/ResponseParserFuzzer: http-parser takes a 1- or 2-digit status code, which the
    // stats would count as neither a success nor an error; and a close before any byte left the parser
    // without an error of its own ("success") and ready to complete later.
    p.reset();
    CHECK(p.feed("HTTP/1.1 0 OK\r\nContent-Length: 0\r\n\r\n", 36) == ResponseParser::Status::error);
    CHECK(std::string(p.error_text()).find("status code") != std::string::npos);
    p.reset();
    CHECK(p.feed("HTTP/1.1 99 X\r\n\r\n", 17) == ResponseParser::Status::error);
    p.reset();
    CHECK(p.feed_eof() == ResponseParser::Status::error);
    CHECK(std::string(p.error_text()) != "success");
    CHECK(p.feed(closing.data(), closing.size()) == ResponseParser::Status::error);
    p.reset();
    CHECK(p.feed(closing.data(), closing.size()) == ResponseParser::Status::complete);
}

TEST_CASE("Prometheus text: wanted gauges, labels summed, absent stays absent", "[loadgen][parse]") {
    const std::string text =
        "# HELP threadpool_threads Threads.\n# TYPE threadpool_threads gauge\nthreadpool_threads 12\n"
        "threadpool_queue_length{pool=\"a\"} 3\nthreadpool_queue_length{pool=\"b}\"} 4 1700000000\n"
        "threadpool_busy_threads_total 99\neventloop_lag_max_seconds 2.5e-3\n"
        "process_resident_memory_bytes 1.048576e+06\n";
    auto m = PrometheusText::parse(
        text, {"threadpool_threads", "threadpool_queue_length", "threadpool_busy_threads",
               "eventloop_lag_max_seconds", "process_resident_memory_bytes"});
    CHECK(m.at("threadpool_threads") == 12);
    CHECK(m.at("threadpool_queue_length") == 7);
    CHECK(m.count("threadpool_busy_threads") == 0);
    CHECK(m.at("eventloop_lag_max_seconds") == Approx(0.0025));
    CHECK(m.at("process_resident_memory_bytes") == 1048576);
}

TEST_CASE("command line: defaults and validation", "[loadgen][parse]") {
    auto parse = [](std::vector<const char*> args) {
        args.insert(args.begin(), "loadgen");
        return CommandLine::parse(static_cast<int>(args.size()), args.data());
    };
    auto ok = parse({"http://127.0.0.1:9/x"});
    REQUIRE(ok.config);
    REQUIRE(ok.requests);  // built once here and carried to the LoadGenerator
    std::mt19937_64 rng(1);
    std::string scratch;
    CHECK(ok.requests->next(rng, scratch).rfind("GET /x HTTP/1.1\r\n", 0) == 0);
    CHECK(ok.config->connections == 10);
    CHECK(ok.config->threads == 1);
    CHECK(ok.config->duration == std::chrono::nanoseconds(10s));
    CHECK(ok.config->warmup == std::chrono::nanoseconds(5s));
    CHECK(ok.config->timeout == std::chrono::nanoseconds(30s));
    CHECK(ok.config->interval == std::chrono::nanoseconds(250ms));
    CHECK(ok.config->keepalive);
    CHECK_FALSE(ok.config->open_loop());
    auto full = parse({"-t",
                       "2",
                       "-c",
                       "100",
                       "-d",
                       "20s",
                       "-R",
                       "1000",
                       "--warmup",
                       "2s",
                       "--timeout",
                       "1s",
                       "--no-keepalive",
                       "--path",
                       "/users/{rand:1..10}",
                       "--path",
                       "/health",
                       "--method",
                       "POST",
                       "--body",
                       "x",
                       "http://127.0.0.1:9/"});
    REQUIRE(full.config);
    CHECK(full.config->open_loop());
    CHECK(full.config->paths.size() == 2);
    CHECK_FALSE(full.config->keepalive);
    for (auto args :
         std::vector<std::vector<const char*>>{{},
                                               {"ftp://x/"},
                                               {"-c", "0", "http://127.0.0.1:9/"},
                                               {"-c", "abc", "http://127.0.0.1:9/"},
                                               {"-t", "4", "-c", "2", "http://127.0.0.1:9/"},
                                               {"-d", "3s", "http://127.0.0.1:9/"},
                                               {"-d", "10q", "http://127.0.0.1:9/"},
                                               {"--path", "/u/{rand:9..1}", "http://127.0.0.1:9/"},
                                               {"--method", "get", "http://127.0.0.1:9/"},
                                               {"-R", "-5", "http://127.0.0.1:9/"},
                                               {"--bogus", "http://127.0.0.1:9/"}}) {
        auto r = parse(args);
        CHECK_FALSE(r.config);
        CHECK(r.exit_code == 2);
        CHECK(r.message.rfind("loadgen: ", 0) == 0);
        CHECK(r.message.find('\n') == std::string::npos);
    }
    auto help = parse({"--help"});
    CHECK(help.exit_code == 0);
    CHECK(help.message.find("--rate") != std::string::npos);
}

TEST_CASE("command line: --start-at must lie ahead, by at most an hour", "[loadgen][parse]") {
    auto parse = [](std::string at) {
        std::vector<const char*> args{"loadgen", "--start-at", at.c_str(), "http://127.0.0.1:9/"};
        return CommandLine::parse(static_cast<int>(args.size()), args.data());
    };
    const double now =
        std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
    auto ahead = parse(std::to_string(now + 30));
    REQUIRE(ahead.config);
    CHECK(ahead.config->start_at == Approx(now + 30));
    for (double bad : {now - 1, now + 7200.0}) {
        auto r = parse(std::to_string(bad));
        CHECK_FALSE(r.config);
        CHECK(r.exit_code == 2);
        CHECK(r.message.find("--start-at") != std::string::npos);
    }
    CHECK(parse(std::to_string(now - 1)).message.find("in the past") != std::string::npos);
}

TEST_CASE("command line: the client model (stages set -d and -c, retries and their backoff)",
          "[loadgen][parse]") {
    auto parse = [](std::vector<const char*> args) {
        args.insert(args.begin(), "loadgen");
        args.push_back("http://127.0.0.1:9/x");
        return CommandLine::parse(static_cast<int>(args.size()), args.data());
    };
    auto closed = parse({"--stages", "2s:5,3s:100,1s:5", "--warmup", "1s", "--retries", "3",
                         "--retry-backoff", "exponential:50:800"});
    REQUIRE(closed.config);
    CHECK(closed.config->duration == std::chrono::nanoseconds(6s));
    CHECK(closed.config->connections == 100);
    CHECK(closed.config->stages.size() == 3);
    CHECK(closed.config->retry.retries == 3);
    CHECK(closed.config->retry.backoff_spec() == "exponential:50:800");
    auto open = parse({"-R", "1", "-c", "8", "--stages", "2s:50,2s:400", "--warmup", "1s"});
    REQUIRE(open.config);
    CHECK(open.config->rate == 400);  // the peak; each step sends at its own
    CHECK(open.config->connections == 8);
    CHECK(parse({}).config->retry.retries == 0);  // a failure is final unless asked
    for (auto args : std::vector<std::vector<const char*>>{{"--stages", "2s:5", "-d", "2s", "--warmup", "1s"},
                                                           {"--stages", "2s:5", "-c", "5", "--warmup", "1s"},
                                                           {"--stages", "2s:5"},  // the warm-up fills the run
                                                           {"--stages", "2s:0", "--warmup", "1s"},
                                                           {"--retry-backoff", "linear"},
                                                           {"--retries", "-1"}}) {
        auto r = parse(args);
        CHECK_FALSE(r.config);
        CHECK(r.exit_code == 2);
        CHECK(r.message.find('\n') == std::string::npos);
    }
}
