// Timing-sensitive run (label "perf", skipped in the sanitizer build): a closed loop against a server with a
// fixed latency L must show X = C/L, p50 = L, and Little's law must close.
#include <catch2/catch.hpp>
#include <chrono>

#include "LoadGenerator.hpp"
#include "TestServer.hpp"

using namespace slowio::loadgen;
using namespace std::chrono_literals;
using test::Reply;
using test::TestServer;

TEST_CASE("closed loop against a fixed latency: X = C/L, p50 = L, Little's law holds",
          "[loadgen][run][perf]") {
    TestServer server([](const std::string&, std::uint64_t) {
        Reply r;
        r.delay = 20ms;
        return r;
    });
    Config c;
    c.target = *parse_url(server.url("/"));
    c.connections = 10;
    c.duration = 2500ms;
    c.warmup = 500ms;
    c.timeout = 5s;
    c.progress = false;
    std::string error;
    const auto run = run_load(c, error);
    INFO(error);
    REQUIRE(run);
    const auto& r = *run;
    INFO("throughput " << r.throughput_rps << " p50 " << r.stats.latency.value_at_percentile(50) / 1e6
                       << " ms");
    CHECK(r.throughput_rps > 0.85 * 500);
    CHECK(r.throughput_rps <= 1.01 * 500);
    CHECK(r.stats.latency.value_at_percentile(50) >= 20'000'000ULL);
    CHECK(r.stats.latency.value_at_percentile(50) < 24'000'000ULL);
    CHECK(r.littles_law.ratio == Approx(1.0).epsilon(0.05));
    CHECK(r.littles_law.concurrency == Approx(10).epsilon(0.05));
    CHECK(r.per_connection.min > 50);
}
