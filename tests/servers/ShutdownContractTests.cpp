// The contract at SIGINT/SIGTERM: stop accepting, answer every request in flight (with Connection: close),
// close idle connections, exit 0 — or exit 5 when the grace period ends with requests still in flight.
#include <signal.h>

#include <catch2/catch.hpp>
#include <thread>

#include "ContractSupport.hpp"

using namespace slowio::test;
using namespace std::chrono_literals;

namespace {

/// Waits until the server has parsed `n` requests (plus the scrape that asks), where it says so in /metrics;
/// otherwise gives them a fixed 300 ms. A request still unread at SIGTERM is not in flight yet, and a server
/// may rightly close its connection as idle.
void wait_in_flight(std::uint16_t port, int n) {
    if (!target().has_trait("metrics")) {
        std::this_thread::sleep_for(300ms);
        return;
    }
    CHECK(eventually(
        [&] { return metric_value(scrape_metrics(port), "http_requests_in_flight").value_or(0) >= n + 1; }));
}

}  // namespace

TEST_CASE("graceful shutdown answers every request in flight, closes idle connections, exits 0",
          "[contract][shutdown]") {
    const auto server = target().start({{"latency_ms", "300"}});
    const auto port = server->port();
    HttpClient idle(port);
    REQUIRE(idle.request("GET", "/health"));  // before the slow ones, so it does not queue behind them
    constexpr int n = 6;
    std::vector<std::unique_ptr<HttpClient>> clients;
    for (int i = 0; i < n; ++i) {
        clients.push_back(std::make_unique<HttpClient>(port));
        REQUIRE(clients.back()->send_request("GET", "/users/" + std::to_string(i + 1)));
    }
    wait_in_flight(port, n);  // all are waiting on the store (or queued for a worker)
    const auto t = Clock::now();
    server->signal(SIGTERM);
    for (auto& c : clients) {
        const auto r = c->read_response();
        REQUIRE(r);
        CHECK(r->status == 200);
        CHECK(r->header("Connection") == "close");
        CHECK(c->wait_closed());
    }
    CHECK(idle.wait_closed());
    CHECK(server->wait_exit(10s) == 0);
    CHECK(seconds_since(t) < 5.0);
    CHECK_THROWS(HttpClient(port, 500ms));  // no longer accepting
}

TEST_CASE("SIGINT on an idle server exits 0 promptly", "[contract][shutdown]") {
    const auto server = target().start();
    HttpClient client(server->port());
    REQUIRE(client.request("GET", "/health"));
    const auto t = Clock::now();
    server->signal(SIGINT);
    CHECK(server->wait_exit(10s) == 0);
    CHECK(seconds_since(t) < 3.0);
}

TEST_CASE("a drain whose grace period ends with requests in flight exits 5, not 0", "[contract][shutdown]") {
    REQUIRE_PLACEHOLDERS({"shutdown_grace_ms", "100"});
    // Store calls of 3 s cannot finish within a 100 ms grace: their responses are lost.
    const auto server = target().start({{"latency_ms", "3000"}, {"shutdown_grace_ms", "100"}});
    HttpClient client(server->port());
    REQUIRE(client.send_request("GET", "/users/1"));
    wait_in_flight(server->port(), 1);
    const auto t = Clock::now();
    server->signal(SIGTERM);
    CHECK(server->wait_exit(10s) == 5);
    CHECK(seconds_since(t) < 2.9);  // it did not wait for the store call
    if (target().has_trait("logs"))
        CHECK(server->stderr_text().find("exiting with code 5") != std::string::npos);
}
