// Both servers against a private PostgreSQL (L = 50 ms unless said): the same bytes as the sim store, one
// sleep per query, the pool's 503 when exhausted, a killed backend → 503 then recovery, and the db_* metrics.
#include <algorithm>
#include <catch2/catch.hpp>
#include <chrono>
#include <cstdlib>
#include <future>
#include <string>
#include <thread>
#include <vector>

#include "Conditions.hpp"
#include "HttpClient.hpp"
#include "PgTestSupport.hpp"
#include "PrometheusText.hpp"
#include "ServerProcess.hpp"

using namespace slowio::test;
using namespace std::chrono_literals;

namespace {

const std::string servers[] = {SERVER_SYNC_BINARY, SERVER_ASYNC_BINARY};

/// The response's bytes without its Date header (the one header allowed to differ).
std::string without_date(const std::string& raw) {
    const auto start = raw.find("\r\nDate: ");
    if (start == std::string::npos) return raw;
    return raw.substr(0, start) + raw.substr(raw.find("\r\n", start + 2));
}

std::string get_raw(std::uint16_t port, const std::string& target) {
    HttpClient client(port);
    const auto response = client.request("GET", target);
    REQUIRE(response);
    return without_date(response->raw);
}

std::string name_of(const std::string& binary) {
    return binary.substr(binary.find_last_of('/') + 1);
}

/// True once the server's pool has `n` connections open (warm-up query done). server_async opens its pool
/// after it listens: a test whose first request must find a connection waits for this first (beside a busy
/// core, under ASan, the opening took longer than a 100 ms acquire timeout and the request got the 503).
bool pool_open(std::uint16_t port, double n) {
    return eventually([&] { return metric_value(scrape_metrics(port), "db_pool_connections") == n; }, 20s);
}

}  // namespace

TEST_CASE("postgres: the same request gives the same bytes on both stores", "[postgres]") {
    const std::string targets[] = {"/users/1", "/users/7", "/users/1000", "/users/1001", "/users/x"};
    for (const auto& binary : servers) {
        INFO(name_of(binary));
        ServerProcess sim(binary, quick_server_args({"--store-latency-ms", "0"}));
        ServerProcess pg(binary, pg_args(0, 2));
        for (const auto& target : targets) {
            INFO(target);
            CHECK(get_raw(pg.port(), target) == get_raw(sim.port(), target));
        }
    }
}

TEST_CASE("postgres: the function sleeps once per query", "[postgres]") {
    for (const auto& binary : servers) {
        INFO(name_of(binary));
        ServerProcess server(binary, pg_args(100, 2));  // creates the schema if this case runs alone
        REQUIRE(pool_open(server.port(), 2));
        // Inside PostgreSQL: one call's execution time is the latency, not twice it.
        const std::string plan = pg_lines("EXPLAIN ANALYZE SELECT * FROM slowio.slowio_user(5, 200)");
        INFO(plan);
        const auto at = plan.find("Execution Time: ");
        REQUIRE(at != std::string::npos);
        const double ms = std::stod(plan.substr(at + 16));
        CHECK(ms >= 195);
        CHECK(ms < 350);
        // Through the server: 5 sequential requests take 5 × L (one sleep each), not 10 × L.
        HttpClient client(server.port());
        const auto start = Clock::now();
        for (int i = 1; i <= 5; ++i)
            REQUIRE(client.request("GET", "/users/" + std::to_string(i))->status == 200);
        const auto elapsed = Clock::now() - start;
        CHECK(elapsed >= 500ms);
        CHECK(elapsed < 900ms);
    }
}

TEST_CASE("postgres: an exhausted pool answers 503 with the reason", "[postgres]") {
    for (const auto& binary : servers) {
        INFO(name_of(binary));
        // One connection, held 1 s by the first request; the second gives up after 100 ms.
        ServerProcess server(binary, pg_args(1000, 1, {"--threads", "4", "--db-acquire-timeout-ms", "100"}));
        REQUIRE(pool_open(server.port(), 1));
        HttpClient first(server.port());
        REQUIRE(first.send_request("GET", "/users/1"));
        REQUIRE(eventually(
            [&] { return metric_value(scrape_metrics(server.port()), "db_pool_busy_connections") == 1.0; }));
        HttpClient second(server.port());
        const auto start = Clock::now();
        const auto rejected = second.request("GET", "/users/2");
        REQUIRE(rejected);
        CHECK(Clock::now() - start < 800ms);
        CHECK(rejected->status == 503);
        CHECK(rejected->header("Retry-After") == "1");
        CHECK(rejected->body.find("\"database connection pool exhausted\"") != std::string::npos);
        CHECK(first.read_response()->status == 200);
        const std::string metrics = scrape_metrics(server.port());
        CHECK(metric_value(metrics, "http_rejected_total{reason=\"db_pool_timeout\"}") == 1.0);
        CHECK(metric_value(metrics, "db_errors_total{kind=\"acquire_timeout\"}") == 1.0);
        CHECK(metric_value(metrics, "db_pool_wait_seconds_count") == 2.0);
    }
}

TEST_CASE("postgres: a killed backend fails its request with 503, then the pool reconnects", "[postgres]") {
    for (const auto& binary : servers) {
        INFO(name_of(binary));
        ServerProcess server(binary, pg_args(3000, 1, {"--threads", "2"}));
        // The pool open (its warm-up query done) first: the warm-up is also an active slowio_user query.
        REQUIRE(pool_open(server.port(), 1));
        HttpClient client(server.port());
        REQUIRE(client.send_request("GET", "/users/3"));
        // Mid-query: the backend is in pg_sleep.
        REQUIRE(eventually([] {
            return pg_scalar(
                       "SELECT count(*) FROM pg_stat_activity WHERE pid <> pg_backend_pid() AND "
                       "application_name = 'slowio' AND "
                       "query LIKE '%slowio_user%' AND state = 'active'") == "1";
        }));
        CHECK(pg_scalar("SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE "
                        "pid <> pg_backend_pid() AND application_name = 'slowio' AND state = 'active'") ==
              "1");
        const auto failed = client.read_response();
        REQUIRE(failed);
        CHECK(failed->status == 503);
        CHECK(failed->body.find("database connection lost") != std::string::npos);
        // Recovery: the next request is served by a new connection.
        bool recovered = eventually(
            [&] {
                HttpClient again(server.port());
                const auto r = again.request("GET", "/users/4");
                return r && r->status == 200;
            },
            20s);
        CHECK(recovered);
        const std::string metrics = scrape_metrics(server.port());
        CHECK(metric_value(metrics, "db_errors_total{kind=\"connection_lost\"}") == 1.0);
        CHECK(metric_value(metrics, "db_pool_connections") == 1.0);
    }
}

TEST_CASE("postgres: the db_ metrics exist only with --store postgres", "[postgres]") {
    for (const auto& binary : servers) {
        INFO(name_of(binary));
        ServerProcess sim(binary, quick_server_args({"--store-latency-ms", "0"}));
        const std::string sim_metrics = scrape_metrics(sim.port());
        CHECK_FALSE(metric_value(sim_metrics, "db_pool_connections"));
        CHECK_FALSE(metric_value(sim_metrics, "db_queries_total"));
        ServerProcess pg(binary, pg_args(0, 3));
        HttpClient client(pg.port());
        REQUIRE(client.request("GET", "/users/1")->status == 200);
        REQUIRE(eventually(
            [&] { return metric_value(scrape_metrics(pg.port()), "db_pool_connections") == 3.0; }));
        const std::string metrics = scrape_metrics(pg.port());
        CHECK(metric_value(metrics, "db_queries_total") == 1.0);
        CHECK(metric_value(metrics, "db_pool_busy_connections") == 0.0);
        CHECK(metric_value(metrics, "db_pool_waiters") == 0.0);
        CHECK(metric_value(metrics, "db_pool_wait_seconds_count") == 1.0);
    }
}

TEST_CASE("postgres: every pool connection runs the warm-up query before it is counted open", "[postgres]") {
    for (const auto& binary : servers) {
        INFO(name_of(binary));
        const std::string started = pg_scalar("SELECT clock_timestamp()::text");
        ServerProcess server(binary, pg_args(0, 4));
        REQUIRE(eventually(
            [&] { return metric_value(scrape_metrics(server.port()), "db_pool_connections") == 4.0; }));
        // PostgreSQL's own view of this server's backends: each one's last statement is the warm-up (a
        // backend that never ran one shows an empty query), and no request has been sent yet.
        const std::string mine =
            "FROM pg_stat_activity WHERE pid <> pg_backend_pid() AND application_name = 'slowio' AND "
            "backend_start >= '" +
            started + "'::timestamptz";
        CHECK(pg_scalar("SELECT count(*) " + mine) == "4");
        CHECK(pg_scalar("SELECT count(*) " + mine + " AND query LIKE '%slowio_user%' AND state = 'idle'") ==
              "4");
        CHECK(metric_value(scrape_metrics(server.port()), "db_queries_total") == 0.0);
    }
}

TEST_CASE("postgres: several servers preparing the schema at once all start", "[postgres]") {
    pg_scalar("DROP SCHEMA IF EXISTS slowio CASCADE");  // each server now finds it absent
    std::vector<std::future<std::uint16_t>> starting;
    for (int i = 0; i < 4; ++i) {
        starting.push_back(std::async(std::launch::async, [i] {
            ServerProcess server(servers[i % 2], pg_args(0, 1));
            HttpClient client(server.port());
            const auto r = client.request("GET", "/users/9");
            return static_cast<std::uint16_t>(r ? r->status : 0);
        }));
    }
    for (auto& s : starting) CHECK(s.get() == 200);
    CHECK(pg_scalar("SELECT count(*) FROM slowio.users") == "1000");
}

TEST_CASE("postgres: after a database restart the pool reconnects", "[postgres]") {
    const char* dir = std::getenv("SLOWIO_PG_DIR");
    const char* port = std::getenv("SLOWIO_PG_PORT");
    REQUIRE(dir);  // set by `python3 -m slowio.postgres run` with SLOWIO_PG_URL (main() skips without it)
    REQUIRE(port);
    for (const auto& binary : servers) {
        INFO(name_of(binary));
        ServerProcess server(binary, pg_args(0, 2, {"--db-acquire-timeout-ms", "500"}));
        REQUIRE(HttpClient(server.port()).request("GET", "/users/1")->status == 200);
        const CommandResult restarted = run_command(
            "/usr/bin/python3", {"-m", "slowio.postgres", "restart", dir, port}, std::chrono::seconds(90));
        INFO(restarted.output);
        REQUIRE(restarted.exit_code == 0);
        // The first requests may fail (503, never a hang); within seconds the pool serves again.
        bool recovered = eventually(
            [&] {
                HttpClient client(server.port());
                const auto r = client.request("GET", "/users/2");
                REQUIRE(r);
                CHECK((r->status == 200 || r->status == 503));
                return r->status == 200;
            },
            20s);
        CHECK(recovered);
    }
}
