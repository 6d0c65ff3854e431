// The client model: --retries / --retry-backoff (the schedule, pure) and --stages (parsing, the step an
// instant falls in), then both against the in-test server (ratios and exact counts, generous deadlines).
#include <catch2/catch.hpp>
#include <chrono>
#include <random>
#include <string>

#include "LoadGenerator.hpp"
#include "RetryPolicy.hpp"
#include "RunHelpers.hpp"
#include "Stages.hpp"
#include "TestServer.hpp"

using namespace slowio::loadgen;
using namespace slowio::loadgen::test;
using namespace std::chrono_literals;

TEST_CASE("retry backoff specs: its two forms parse and the rest are refused", "[loadgen][retry]") {
    RetryPolicy p;
    std::string error;
    REQUIRE(p.parse_backoff("none", error));
    CHECK(p.backoff == Backoff::none);
    CHECK(p.backoff_spec() == "none");
    REQUIRE(p.parse_backoff("exponential:50", error));
    CHECK(p.backoff == Backoff::exponential);
    CHECK(p.base == 50ms);
    CHECK(p.cap == 10'000ms);  // the default cap
    REQUIRE(p.parse_backoff("exponential:50:400", error));
    CHECK(p.backoff_spec() == "exponential:50:400");
    for (const char* bad : {"", "linear", "none:5", "exponential", "exponential:", "exponential:0",
                            "exponential:50:40", "exponential:x", "exponential:5:6:7"}) {
        INFO(bad);
        RetryPolicy q;
        CHECK_FALSE(q.parse_backoff(bad, error));
        CHECK(error.find("--retry-backoff") == 0);
    }
}

TEST_CASE("full jitter: retry k waits uniform(0, min(cap, base * 2^k)), Retry-After when longer",
          "[loadgen][retry]") {
    RetryPolicy p;
    std::string error;
    REQUIRE(p.parse_backoff("exponential:100:1000", error));
    std::mt19937_64 rng(7);
    for (unsigned k : {0u, 1u, 2u, 3u, 4u, 40u}) {
        const auto ceiling = std::min<std::chrono::milliseconds>(1000ms, 100ms * (1LL << std::min(k, 20u)));
        double sum_ms = 0, max_ms = 0;
        const int n = 4000;
        for (int i = 0; i < n; ++i) {
            const auto d = std::chrono::duration<double, std::milli>(p.delay(k, rng, 0s)).count();
            CHECK(d >= 0);
            CHECK(d <= static_cast<double>(ceiling.count()));
            sum_ms += d;
            max_ms = std::max(max_ms, d);
        }
        INFO("k " << k);
        CHECK(sum_ms / n == Approx(static_cast<double>(ceiling.count()) / 2).epsilon(0.05));  // uniform
        CHECK(max_ms > 0.95 * static_cast<double>(ceiling.count()));
    }
    // A server's Retry-After wins when it asks for longer than the jittered wait, never shortens it.
    CHECK(p.delay(0, rng, 2s) == 2s);
    RetryPolicy none;
    CHECK(none.delay(3, rng, 0s) == 0s);
    CHECK(none.delay(3, rng, 1s) == 1s);
}

TEST_CASE("stages: steps parse and an instant falls in its step", "[loadgen][stages]") {
    std::string error;
    const auto s = parse_stages("10s:5,20s:1000,30s:5", false, error);
    REQUIRE(s);
    REQUIRE(s->size() == 3);
    CHECK(total_duration(*s) == 60s);
    CHECK(peak_target(*s) == 1000);
    CHECK(parse_stages("1s:2.5", true, error));  // a rate may be fractional
    for (const char* bad : {"", "10s", "10s:", "0s:5", "10s:-1", "10s:2.5", "10s:0", "x:5", "10s:5,"}) {
        INFO(bad);
        CHECK_FALSE(parse_stages(bad, false, error));
        CHECK(error.find("--stages") == 0);
    }
    Timeline tl;
    tl.start = Clock::time_point{} + 1s;
    tl.stages = {
        {tl.start, tl.start + 2s, 1}, {tl.start + 2s, tl.start + 3s, 9}, {tl.start + 3s, tl.start + 7s, 1}};
    CHECK(tl.stage_index(tl.start - 1s) == 0);
    CHECK(tl.stage_index(tl.start + 1999ms) == 0);
    CHECK(tl.stage_index(tl.start + 2s) == 1);
    CHECK(tl.stage_index(tl.start + 3s) == 2);
    CHECK(tl.stage_index(tl.start + 60s) == 2);
}

TEST_CASE("a shed request is resent and counts once, by its final outcome", "[loadgen][run][retry]") {
    // Every other request is shed: with one retry each request ends ok; the 503s are retries, not outcomes.
    TestServer server([](const std::string&, std::uint64_t n) {
        Reply r;
        if (n % 2 == 0) r.status = 503;
        return r;
    });
    auto c = config_for(server, 1, 1s, 0s);
    c.retry.retries = 1;
    const auto r = run(c);
    const auto& t = r.stats.total;
    CHECK(t.completed > 20);
    // Only the last request may end shed: its resend would have gone out after the run's end.
    CHECK(t.status_503 <= 1);
    CHECK(t.ok + t.status_503 == t.completed);
    CHECK(t.retries == t.retries_after_503);
    CHECK(t.retries + t.status_503 == t.completed);  // one resend per request: each first attempt is shed
    CHECK(server.responses() == t.completed + t.retries_after_503);  // every response written is accounted
    CHECK(t.sent == t.completed + t.retries);
    CHECK(r.throughput_rps * r.window_s == Approx(static_cast<double>(r.stats.ok_in_window)));
}

TEST_CASE("retries run out: the last attempt's outcome is the request's", "[loadgen][run][retry]") {
    TestServer server([](const std::string&, std::uint64_t) {
        Reply r;
        r.status = 503;
        return r;
    });
    auto c = config_for(server, 1, 800ms, 0s);
    c.retry.retries = 2;
    const auto r = run(c);
    const auto& t = r.stats.total;
    REQUIRE(t.completed > 5);
    CHECK(t.status_503 == t.completed);
    // Two resends per request; a request whose resend would fall after the end stops early.
    CHECK(t.retries <= 2 * t.completed + 2);
    CHECK(t.retries + 2 >= 2 * t.completed);
    CHECK(server.responses() == t.completed + t.retries_after_503);
}

TEST_CASE("a timed-out request is resent on a new connection, its latency from the first send",
          "[loadgen][run][retry]") {
    TestServer server([](const std::string&, std::uint64_t n) {
        Reply r;
        r.never = n == 2;  // the third request hangs; its resend is answered
        return r;
    });
    auto c = config_for(server, 1, 1500ms, 0s);
    c.timeout = 300ms;
    c.retry.retries = 1;
    const auto r = run(c);
    const auto& t = r.stats.total;
    CHECK(t.timeout == 0);
    CHECK(t.retries == 1);
    CHECK(t.retries_after_timeout == 1);
    CHECK(t.ok == t.completed);
    CHECK(t.completed == server.responses());
    CHECK(r.stats.latency.max() >= 300'000'000ULL);  // the resent request waited its first attempt out
}

TEST_CASE("Retry-After is honoured when it asks for longer than the backoff", "[loadgen][run][retry]") {
    TestServer server([](const std::string&, std::uint64_t n) {
        Reply r;
        if (n == 0) {
            r.status = 503;
            r.headers = "Retry-After: 1\r\n";
        }
        return r;
    });
    auto c = config_for(server, 1, 2500ms, 0s);
    c.retry.retries = 1;  // backoff none: without the header the resend would go at once
    const auto r = run(c);
    CHECK(r.stats.total.retries == 1);
    CHECK(r.stats.total.status_503 == 0);
    CHECK(r.stats.latency.max() >= 1'000'000'000ULL);
    CHECK(r.stats.latency.max() < 2'000'000'000ULL);
}

TEST_CASE("closed-loop stages: goodput follows the connections each step holds", "[loadgen][run][stages]") {
    TestServer server([](const std::string&, std::uint64_t) {
        Reply r;
        r.delay = 50ms;  // Little's law: C connections give C / 50 ms
        return r;
    });
    auto c = config_for(server, 4, 1800ms, 0s);
    std::string error;
    c.stages = *parse_stages("600ms:1,600ms:4,600ms:1", false, error);
    const auto r = run(c);
    REQUIRE(r.stats.stages.size() == 3);
    const auto goodput = [&](std::size_t i) { return static_cast<double>(r.stats.stages[i].ok_done) / 0.6; };
    INFO("goodput " << goodput(0) << " " << goodput(1) << " " << goodput(2));
    CHECK(goodput(0) > 0.6 * 20);
    CHECK(goodput(1) / goodput(0) > 2.5);
    CHECK(goodput(1) / goodput(2) > 2.5);
    CHECK(goodput(1) <= 1.1 * 80);
    std::uint64_t sum = 0;
    for (const auto& st : r.stats.stages) sum += st.counts.completed;
    CHECK(sum == r.stats.total.completed);  // every request belongs to exactly one step
}

TEST_CASE("open-loop stages: each step sends at its own rate", "[loadgen][run][stages]") {
    TestServer server;
    auto c = config_for(server, 4, 1500ms, 0s);
    c.rate = 1;  // -R selects the open loop; the stages give the rates
    std::string error;
    c.stages = *parse_stages("500ms:20,500ms:100,500ms:0", true, error);
    const auto r = run(c);
    REQUIRE(r.stats.stages.size() == 3);
    CHECK(r.stats.stages[0].counts.sent == Approx(10).margin(2));
    CHECK(r.stats.stages[1].counts.sent == Approx(50).margin(3));
    CHECK(r.stats.stages[2].counts.sent == 0);
    CHECK(r.stats.total.completed == server.responses());
}
