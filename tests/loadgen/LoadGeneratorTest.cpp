// Whole runs against the in-test server: counts, timeouts, coordinated omission, warm-up, scraping.
#include <catch2/catch.hpp>
#include <chrono>
#include <set>
#include <thread>

#include "LoadGenerator.hpp"
#include "RunHelpers.hpp"
#include "TestServer.hpp"

using namespace slowio::loadgen;
using namespace std::chrono_literals;
using test::config_for;
using test::Reply;
using test::run;
using test::TestServer;

TEST_CASE("every response the server wrote is counted exactly once", "[loadgen][run]") {
    TestServer server;
    auto c = config_for(server, 8, 1500ms, 500ms);
    c.threads = 2;
    const auto r = run(c);
    const auto& t = r.stats.total;
    CHECK(t.completed > 100);
    CHECK(t.completed == server.responses());
    CHECK(t.sent == t.completed);
    CHECK(t.errors() == 0);
    CHECK(r.stats.window.completed > 0);
    CHECK(r.stats.window.completed < t.completed);
    CHECK(r.stats.latency.count() == r.stats.window.completed);
    CHECK(r.per_connection.min > 0);
    CHECK(r.stats.per_connection.size() == 8);
    CHECK(r.window_s == Approx(1.0));
    CHECK(r.elapsed_s < 1.5 + 1.0);
}

TEST_CASE("a request past --timeout is counted and its connection reopened", "[loadgen][run]") {
    TestServer server([](const std::string&, std::uint64_t n) {
        Reply r;
        r.never = n == 3;  // the 4th request hangs forever
        return r;
    });
    auto c = config_for(server, 1, 1500ms, 0s);  // no warm-up: the hung request is in the window
    c.timeout = 300ms;
    const auto r = run(c);
    const auto& t = r.stats.total;
    CHECK(t.timeout == 1);
    CHECK(t.reconnects >= 1);
    CHECK(server.connections() >= 3);  // the reachability probe, the first connection, the reopened one
    CHECK(t.completed > 10);           // it carried on after the timeout
    CHECK(t.completed == server.responses());
    CHECK(t.sent == t.completed + t.timeout);
    // Timed-out requests are in the latency figures at their age, never dropped.
    CHECK(r.stats.latency.max() >= 300'000'000ULL);
    CHECK(r.stats.window.timeout == 1);
}

TEST_CASE("a server that never answers cannot hang the run", "[loadgen][run]") {
    TestServer server([](const std::string&, std::uint64_t) {
        Reply r;
        r.never = true;
        return r;
    });
    auto c = config_for(server, 4, 1s, 200ms);
    c.timeout = 400ms;
    const auto start = std::chrono::steady_clock::now();
    const auto r = run(c);
    const double took = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    CHECK(took < 1.0 + 0.4 + 1.5);
    CHECK(r.stats.total.completed == 0);
    CHECK(r.stats.total.timeout >= 4);
    CHECK(r.stats.total.sent == r.stats.total.timeout);
}

TEST_CASE("open loop: a one-second stall shows in corrected p99, not in uncorrected", "[loadgen][run]") {
    TestServer server([](const std::string&, std::uint64_t n) {
        Reply r;
        if (n == 150) r.stall = 1000ms;  // ~0.75 s in: the whole server freezes for a second
        return r;
    });
    auto c = config_for(server, 2, 3s, 0s);
    c.rate = 200;
    const auto r = run(c);
    const auto& s = r.stats;
    INFO("corrected p99 " << s.latency.value_at_percentile(99) / 1e6 << " ms, uncorrected p99 "
                          << s.latency_uncorrected.value_at_percentile(99) / 1e6 << " ms");
    CHECK(s.latency.value_at_percentile(99) > 500'000'000ULL);              // > 500 ms: the stall is visible
    CHECK(s.latency_uncorrected.value_at_percentile(99) < 200'000'000ULL);  // < 200 ms: wrk's view hides it
    CHECK(s.latency_uncorrected.max() > 800'000'000ULL);                    // the stalled request itself
    CHECK(s.window.late > 100);  // requests due during the stall went out late, and were counted
    CHECK(s.window.sent + s.window.unsent == Approx(600).margin(10));  // the schedule was kept
    CHECK(s.total.completed == server.responses());
}

TEST_CASE("open loop keeps its rate against a fast server", "[loadgen][run]") {
    TestServer server;
    auto c = config_for(server, 4, 2s, 500ms);
    c.rate = 400;
    const auto r = run(c);
    // The schedule itself is exact: 400/s x 1.5 s of window, each slot either sent or reported unsent.
    CHECK(r.stats.window.sent + r.stats.window.unsent == Approx(600).margin(4));
    CHECK(r.stats.window.unsent <= 30);  // only slots still queued behind a busy connection at the very end
    CHECK(r.throughput_rps == Approx(400).epsilon(0.1));
    CHECK(r.stats.window.errors() == 0);
}

TEST_CASE("warm-up is excluded from every figure", "[loadgen][run]") {
    // Slow (300 ms) for the first 700 ms of the run, fast afterwards; loadgen's warm-up is 1 s.
    std::atomic<bool> started{false};
    std::chrono::steady_clock::time_point first;
    TestServer server([&](const std::string&, std::uint64_t) {
        if (!started.exchange(true)) first = std::chrono::steady_clock::now();
        Reply r;
        if (std::chrono::steady_clock::now() - first < 700ms) r.delay = 300ms;
        return r;
    });
    auto c = config_for(server, 4, 2s, 1s);
    const auto r = run(c);
    INFO("steady max " << r.stats.latency.max() / 1e6 << " ms");
    CHECK(r.stats.latency.max() < 250'000'000ULL);
    CHECK(r.stats.latency.count() > 100);
    CHECK(r.stats.total.completed > r.stats.window.completed);
    CHECK(r.window_s == Approx(1.0));
    std::uint64_t warmup_max = 0;  // the time series still shows the warm-up
    for (std::size_t i = 0; i < 4 && i < r.stats.intervals.size(); ++i)
        warmup_max = std::max(warmup_max, r.stats.intervals[i].latency.max());
    CHECK(warmup_max >= 300'000'000ULL);
}

TEST_CASE("no keep-alive: one connection per request", "[loadgen][run]") {
    TestServer server;
    auto c = config_for(server, 2, 1s, 200ms);
    c.keepalive = false;
    const auto r = run(c);
    const auto& t = r.stats.total;
    CHECK(t.completed > 20);
    CHECK(t.completed == server.responses());
    CHECK(server.connections() == t.completed + 1);  // + the reachability probe
    CHECK(t.errors() == 0);
    for (const auto& h : server.heads()) CHECK(h.find("Connection: close\r\n") != std::string::npos);
}

TEST_CASE("path templates, method and body reach the server", "[loadgen][run]") {
    TestServer server;
    auto c = config_for(server, 2, 1s, 200ms);
    c.paths = {"/users/{rand:1..5}", "/health"};
    c.method = "POST";
    c.body = "{\"a\":1}";
    c.headers = {"X-Test: yes"};
    const auto r = run(c);
    const auto heads = server.heads();
    REQUIRE(heads.size() > 10);
    // (std::regex is avoided: GCC 12's sanitizer build warns inside it.)
    const std::set<std::string> lines = {"POST /users/1 HTTP/1.1", "POST /users/2 HTTP/1.1",
                                         "POST /users/3 HTTP/1.1", "POST /users/4 HTTP/1.1",
                                         "POST /users/5 HTTP/1.1", "POST /health HTTP/1.1"};
    std::size_t users = 0;
    for (const auto& h : heads) {
        CHECK(lines.count(h.substr(0, h.find("\r\n"))) == 1);
        CHECK(h.find("Content-Length: 7\r\n") != std::string::npos);
        CHECK(h.find("X-Test: yes\r\n") != std::string::npos);
        CHECK(h.substr(h.size() - 7) == "{\"a\":1}");
        users += h.rfind("POST /users/", 0) == 0;
    }
    CHECK(users > 0);
    CHECK(users < heads.size());
}

TEST_CASE("status codes land in their categories, 503 apart from 5xx", "[loadgen][run]") {
    TestServer server([](const std::string&, std::uint64_t n) {
        Reply r;
        const unsigned codes[] = {200, 404, 503, 500, 302};
        r.status = codes[n % 5];
        r.close = r.status == 503;  // shedding servers close; loadgen must reconnect and go on
        return r;
    });
    auto c = config_for(server, 3, 1s, 200ms);
    const auto r = run(c);
    const auto& t = r.stats.total;
    CHECK(t.completed == server.responses());
    CHECK(t.ok + t.status_4xx + t.status_5xx + t.status_503 == t.completed);
    CHECK(t.status_503 == Approx(t.completed / 5.0).margin(4));
    CHECK(t.status_5xx == Approx(t.completed / 5.0).margin(4));
    CHECK(t.status_4xx == Approx(t.completed / 5.0).margin(4));
    CHECK(t.ok == Approx(2 * t.completed / 5.0).margin(6));
    CHECK(t.reconnects >= t.status_503 - 3);
    CHECK(r.throughput_rps * r.window_s == Approx(static_cast<double>(r.stats.ok_in_window)));
}

TEST_CASE("scraping samples the server's /metrics on its own connection", "[loadgen][run]") {
    TestServer server;
    server.set_metrics(
        "# TYPE threadpool_threads gauge\nthreadpool_threads 7\nthreadpool_queue_length 3\n"
        "eventloop_lag_max_seconds 0.004\nprocess_resident_memory_bytes 2097152\n");
    auto c = config_for(server, 2, 1200ms, 200ms);
    c.scrape_url = server.url("/metrics");
    c.interval = 100ms;
    const auto r = run(c);
    REQUIRE(r.scrape_requested);
    CHECK(r.server_samples.size() == 13);  // t = 0, 0.1, ... 1.2 s
    CHECK(server.scrapes() >= 10);
    CHECK(r.scrape_failures <= 2);
    CHECK(r.server_peaks.at("threadpool_threads") == 7);
    CHECK(r.server_peaks.at("process_resident_memory_bytes") == 2097152);
    CHECK(r.server_peaks.count("threadpool_busy_threads") == 0);  // absent, never faked
    CHECK(r.stats.total.completed == server.responses());         // scrapes are not load
}

TEST_CASE("the first scrape is answered ahead of t = 0, before the load's first request", "[loadgen][run]") {
    // Sample 0 is taken up to 15 ms ahead of t = 0 so that a server's /metrics work does not compete with the
    // load's first connections (t = 0 put 300 ms ahead with --start-at, so the lead is the full 15 ms; 5 ms
    // allows for a late timer).
    TestServer server;
    auto c = config_for(server, 4, 300ms, 0ms);
    c.scrape_url = server.url("/metrics");
    c.start_at =
        std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count() + 0.3;
    const auto r = run(c);
    REQUIRE(r.scrape_requested);
    const auto [scrape, request] = server.first_arrivals();
    REQUIRE(scrape);
    REQUIRE(request);
    CHECK(*request - *scrape >= 5ms);
    CHECK(r.scrape_failures == 0);
}

TEST_CASE("scrape_requested says whether --scrape was given and not whether a sample came",
          "[loadgen][run]") {
    TestServer server;
    auto c = config_for(server, 1, 600ms, 200ms);
    CHECK_FALSE(run(c).scrape_requested);
    c.scrape_url = "http://no-such-host.invalid:9/metrics";  // parses, never resolves
    const auto r = run(c);
    CHECK(r.scrape_requested);
    CHECK(r.server_samples.empty());
}

TEST_CASE("start lateness: each worker's earliest action, the latest worker's in the merge",
          "[loadgen][start]") {
    ThreadStats a, b, merged;
    a.on_first_action(30ms);
    a.on_first_action(5ms);  // a worker started when its earliest action ran
    b.on_first_action(12ms);
    CHECK(*a.start_late == 5ms);
    merged.merge(a);
    merged.merge(b);
    CHECK(*merged.start_late == 12ms);  // the latest worker
    ThreadStats none;
    merged.merge(none);  // a worker with nothing due changes nothing
    CHECK(*merged.start_late == 12ms);
}

TEST_CASE("a run reports how late it started, near zero on an idle loader", "[loadgen][start]") {
    TestServer server;
    auto c = config_for(server, 4, 500ms, 100ms);
    c.threads = 2;
    const auto r = run(c);
    REQUIRE(r.stats.start_late.has_value());
    CHECK(r.start_late_s >= 0.0);
    CHECK(r.start_late_s < 1.0);  // generous: a loaded machine delays a thread, never by a second here
}
