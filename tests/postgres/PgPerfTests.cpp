// Little's law with a real database pool (L = 50 ms, label "perf": run alone, not under sanitizers): the
// pool, not the threads, is the ceiling — sync N = 20 P = 10 gives P / L, async K = 1 P = 50 at C = 200 gives
// P / L.
#include <catch2/catch.hpp>
#include <chrono>
#include <iostream>
#include <string>

#include "LoadClient.hpp"
#include "PgTestSupport.hpp"
#include "PrometheusText.hpp"
#include "ServerProcess.hpp"

using namespace slowio::test;
using namespace std::chrono_literals;

namespace {

constexpr int latency_ms = 50;

LoadResult measure(const std::string& binary, int pool, std::size_t connections,
                   const std::vector<std::string>& extra) {
    ServerProcess server(binary, pg_args(latency_ms, pool, extra));
    const LoadResult r = run_closed_loop(server.port(), connections, "/users/1", 1500ms, 3000ms);
    const std::string metrics = scrape_metrics(server.port());
    std::cout << binary.substr(binary.find_last_of('/') + 1) << " P=" << pool << " C=" << connections << ": "
              << r.rps() << " req/s (bound " << pool * 1000.0 / latency_ms << "), ok " << r.ok << ", errors "
              << r.errors << ", db_pool_waiters " << metric_value(metrics, "db_pool_waiters").value_or(-1)
              << "\n";
    return r;
}

}  // namespace

TEST_CASE("postgres perf: sync N = 20, P = 10 → P / L", "[postgres][perf]") {
    // 40 clients, 20 workers: 10 workers hold the connections, 10 wait for one; the pool sets the rate.
    const LoadResult r = measure(SERVER_SYNC_BINARY, 10, 40, {"--threads", "20"});
    const double bound = 10 * 1000.0 / latency_ms;
    CHECK(r.errors == 0);
    CHECK(r.rps() >= 0.9 * bound);
    CHECK(r.rps() <= 1.1 * bound);
}

TEST_CASE("postgres perf: async K = 1, P = 50, C = 200 → P / L", "[postgres][perf]") {
    const LoadResult r = measure(SERVER_ASYNC_BINARY, 50, 200, {"--threads", "1"});
    const double bound = 50 * 1000.0 / latency_ms;
    CHECK(r.errors == 0);
    CHECK(r.rps() >= 0.9 * bound);
    CHECK(r.rps() <= 1.1 * bound);
}

TEST_CASE("postgres perf: the loop stays responsive at C = 500 (K = 1, P = 50)", "[postgres][perf]") {
    // 450 requests wait for a connection, 50 for PostgreSQL: none of it may hold the loop. A held loop puts
    // nearly every tick past 20 ms (each blocked store call is L = 50 ms); an awaiting one keeps ≥ 95%
    // within, even with the other core busy (98.1% measured so; ≥ 99% failed there once). Lag p99 < 20 ms is
    // the benchmark's target (issue 25), for the sweep to report, not for a test on a busy machine to assert.
    ServerProcess server(SERVER_ASYNC_BINARY, pg_args(latency_ms, 50, {"--threads", "1"}));
    const LoadResult r = run_closed_loop(server.port(), 500, "/users/1", 1500ms, 3000ms);
    const std::string metrics = scrape_metrics(server.port());
    const double ticks = metric_value(metrics, "eventloop_lag_seconds_count").value_or(0);
    const double within = metric_value(metrics, "eventloop_lag_seconds_bucket{le=\"0.02\"}").value_or(0);
    std::cout << "server_async P=50 C=500: " << r.rps() << " req/s, lag samples " << ticks << ", <= 20 ms "
              << within << ", max " << metric_value(metrics, "eventloop_lag_max_seconds").value_or(-1)
              << " s\n";
    CHECK(r.errors == 0);
    REQUIRE(ticks > 100);
    CHECK(within / ticks >= 0.95);
}
