// server_sync's own behaviour over real sockets: its flags, the queue limit, starvation visible in
// /metrics, thread-per-connection's unfairness, the elastic pool's growth and its drain. What every server
// must do is in tests/servers (the contract suite), run against each server_sync model too.
#include <signal.h>

#include <catch2/catch.hpp>
#include <memory>
#include <thread>
#include <vector>

#include "Conditions.hpp"
#include "HttpClient.hpp"
#include "PrometheusText.hpp"
#include "ServerProcess.hpp"

using namespace slowio::test;
using namespace std::chrono_literals;

namespace {

const std::string binary = SERVER_SYNC_BINARY;

/// One metric read over `scraper`, a kept connection: with --socket-engine a fresh connection per scrape would
/// add its accept's engine items to what the test counts.
double gauge(HttpClient& scraper, const char* name) {
    const auto r = scraper.request("GET", "/metrics");
    REQUIRE(r);
    return metric_value(r->body, name).value_or(-1);
}

}  // namespace

TEST_CASE("bad flags exit 2 with one line, --help exits 0 and marks sync-only flags",
          "[server_sync][flags]") {
    const std::vector<std::vector<std::string>> bad = {
        {"--bogus"},
        {"--threads", "0"},
        {"--model", "fibers"},
        {"--pool", "hybrid"},
        {"--pool", "elastic", "--min-threads", "8", "--max-threads", "2"},
        {"--store-jitter", "sometimes"},
        {"--bind", "not-an-ip"},
        {"--queue-limit", "-1"},
        {"--antipattern", "blocking-store"},
        {"--offload-threads", "0"},
        {"--model", "thread-per-connection", "--antipattern", "sync-over-async"},
        {"--io-queues", "2"},                        // needs --io-on-pool
        {"--socket-engine"},                         // needs --io-on-pool
        {"--io-on-pool", "--accept-work-us", "50"},  // needs --socket-engine
        {"--io-on-pool", "--socket-engine", "--accept-work-us", "-1"},
        {"--start-up-items", "3@"},
        {"--start-up-items", "3@10,"},
        {"--start-up-items", "1@-5"},
        {"--start-up-items", "x"},
    };
    for (const auto& a : bad) {
        const auto r = run_command(binary, a);
        INFO(a.front() << " → " << r.output);
        CHECK(r.exit_code == 2);
        CHECK(r.output.find('\n') == r.output.size() - 1);  // exactly one line
    }
    const auto help = run_command(binary, {"--help"});
    CHECK(help.exit_code == 0);
    CHECK(help.output.find("(server_sync only)") != std::string::npos);
    CHECK(help.output.find("--queue-limit") != std::string::npos);
}

TEST_CASE("antipattern offload: the same answer, two threads held per CPU request instead of one",
          "[server_sync][antipattern]") {
    // The worker blocks on the offload pool's thread (Task.Run(...).Wait()): cpu_work_thread_seconds_total
    // counts both, cpu_work_request_seconds_total the request once. The ratio does not depend on the
    // machine's speed: both sides are the same wall-clock interval, give or take one thread hand-off.
    auto run = [](const std::vector<std::string>& extra, std::string& body) {
        ServerProcess server(binary, quick_server_args(extra));
        HttpClient client(server.port(), 30s);
        for (int i = 0; i < 3; ++i) {
            const auto r = client.request("POST", "/work?n=20000000");
            REQUIRE(r);
            CHECK(r->status == 200);
            body = r->body;
        }
        const auto text = scrape_metrics(server.port());
        const double held = metric_value(text, "cpu_work_thread_seconds_total").value_or(0);
        const double in_flight = metric_value(text, "cpu_work_request_seconds_total").value_or(0);
        REQUIRE(in_flight > 0);
        return held / in_flight;
    };
    std::string inline_body, offload_body;
    const double inline_ratio = run({}, inline_body);
    const double offload_ratio = run({"--antipattern", "offload", "--offload-threads", "1"}, offload_body);
    INFO("threads per CPU request: inline " << inline_ratio << ", offload " << offload_ratio);
    CHECK(inline_body == offload_body);
    CHECK(inline_ratio == Approx(1.0).margin(0.01));
    CHECK(offload_ratio > 1.7);
    CHECK(offload_ratio <= 2.0 + 1e-6);
}

TEST_CASE("queue limit: immediate 503 with Retry-After, accepted requests still succeed",
          "[server_sync][queue]") {
    ServerProcess server(
        binary, quick_server_args({"--threads", "1", "--queue-limit", "1", "--store-latency-ms", "300"}));
    const auto port = server.port();
    HttpClient running(port), queued(port), refused1(port), refused2(port);
    REQUIRE(running.send_request("GET", "/users/1"));
    std::this_thread::sleep_for(50ms);  // the worker has it
    REQUIRE(queued.send_request("GET", "/users/2"));
    std::this_thread::sleep_for(50ms);  // it sits in the queue (1/1)
    const auto t = Clock::now();
    auto r1 = refused1.request("GET", "/users/3");
    auto r2 = refused2.request("GET", "/health");
    const double refused_ms = ms_since(t);
    REQUIRE((r1 && r2));
    CHECK(r1->status == 503);
    CHECK(r2->status == 503);
    CHECK(r1->header("Retry-After") == "1");
    CHECK(refused_ms < 150);  // at once, not after a store wait
    auto a = running.read_response();
    auto b = queued.read_response();
    REQUIRE((a && b));
    CHECK(a->status == 200);
    CHECK(b->status == 200);
    // The refused connection stays usable once there is room.
    auto again = refused1.request("GET", "/health");
    REQUIRE(again);
    CHECK(again->status == 200);
    const auto m = scrape_metrics(port);
    CHECK(metric_value(m, R"(http_rejected_total{reason="queue_full"})") == 2.0);
    CHECK(metric_value(m, R"(http_responses_total{code="503"})") == 2.0);
}

TEST_CASE("/metrics answers while every worker is blocked, showing the starvation",
          "[server_sync][metrics]") {
    ServerProcess server(binary, quick_server_args({"--threads", "2", "--store-latency-ms", "1500"}));
    const auto port = server.port();
    std::vector<std::unique_ptr<HttpClient>> clients;
    for (int i = 0; i < 5; ++i) {
        clients.push_back(std::make_unique<HttpClient>(port, 20s));
        REQUIRE(clients.back()->send_request("GET", "/users/" + std::to_string(i + 1)));
    }
    std::this_thread::sleep_for(150ms);
    const auto t = Clock::now();
    const auto m = scrape_metrics(port);
    CHECK(ms_since(t) < 300);
    INFO(m);
    CHECK(metric_value(m, "threadpool_threads") == 2.0);
    CHECK(metric_value(m, "threadpool_busy_threads") == 2.0);
    CHECK(metric_value(m, "threadpool_queue_length") == 3.0);
    CHECK(metric_value(m, "http_requests_in_flight") == 6.0);  // 5 waiting + this scrape
    CHECK(metric_value(m, "http_connections_open") == 6.0);
    // /health is not special in the pool model: it waits behind the blocked workers like any request.
    HttpClient h(port);
    const auto th = Clock::now();
    auto health = h.request("GET", "/health");
    REQUIRE(health);
    CHECK(ms_since(th) > 1000);
}

namespace {

/// What three requests at once on three connections to a one-worker pool with L = 200 ms (`extra` added)
/// show: the milliseconds until the first response, and the pool's completed work items once all three are
/// answered.
struct ThreeRequests {
    double first_response_ms = 0;
    double completed_items = 0;
};

/// `base` then `extra`: a case's fixed flags and the variant it compares.
std::vector<std::string> joined(std::vector<std::string> base, const std::vector<std::string>& extra) {
    base.insert(base.end(), extra.begin(), extra.end());
    return base;
}

/// The pool's `threadpool_completed_items_total` as the server's /metrics reports it (-1 when absent).
double pool_completed_items(std::uint16_t port) {
    return metric_value(scrape_metrics(port), "threadpool_completed_items_total").value_or(-1);
}

ThreeRequests three_requests(const std::vector<std::string>& extra) {
    ServerProcess server(binary,
                         quick_server_args(joined({"--threads", "1", "--store-latency-ms", "200"}, extra)));
    std::vector<std::unique_ptr<HttpClient>> clients;
    for (int i = 0; i < 3; ++i) clients.push_back(std::make_unique<HttpClient>(server.port(), 5s));
    // The first request must be the one the worker runs first: the others are sent once it is running (the
    // I/O thread reads ready connections in no promised order; under TSan beside other tests it once read a
    // later one first, and the first client's response came at 2 L).
    const auto start = Clock::now();
    REQUIRE(clients[0]->send_request("GET", "/users/1"));
    REQUIRE(eventually([&] {
        return metric_value(scrape_metrics(server.port()), "threadpool_busy_threads").value_or(0) == 1;
    }));
    for (std::size_t i = 1; i < clients.size(); ++i) REQUIRE(clients[i]->send_request("GET", "/users/1"));
    auto first = clients[0]->read_response();
    REQUIRE(first);
    CHECK(first->status == 200);
    ThreeRequests seen;
    seen.first_response_ms = ms_since(start);
    for (std::size_t i = 1; i < clients.size(); ++i) CHECK(clients[i]->read_response()->status == 200);
    // A worker counts its item after the item returns, just after the last send was handed over: wait for
    // the count to reach the requests' 3, then give any item still to come time to be counted.
    const auto completed = [&] { return pool_completed_items(server.port()); };
    CHECK(eventually([&] { return completed() >= 3; }));
    std::this_thread::sleep_for(200ms);
    seen.completed_items = completed();
    return seen;
}

}  // namespace

TEST_CASE("io-on-pool: a response's send waits in the pool's queue behind the requests, as Kestrel's does",
          "[server_sync][io-on-pool]") {
    // Without it the first request's response leaves at L, and the pool runs the 3 requests only; with it its
    // send is queued behind the two other requests, each of which holds the only worker for L: it leaves at
    // 3 L. With one IOQueue, the sends of all three requests go in one drain item (4 items): the first
    // response's send scheduled it, the later two join the queue it drains. One item per send would be 6.
    const ThreeRequests direct = three_requests({});
    CHECK(direct.first_response_ms < 1.5 * 200);
    CHECK(direct.completed_items == 3);
    const ThreeRequests on_pool = three_requests({"--io-on-pool", "--io-queues", "1"});
    CHECK(on_pool.first_response_ms >= 2.5 * 200);
    CHECK(on_pool.completed_items == 4);
    // Three queues, one per connection (round robin): no send joins another's drain item, so 3 + 3.
    CHECK(three_requests({"--io-on-pool", "--io-queues", "3"}).completed_items == 6);
}

TEST_CASE("io-on-pool: a client that ends its connection queues Kestrel's two connection-end items",
          "[server_sync][io-on-pool]") {
    // Kestrel's socket transport puts two thread-pool items on a connection's end (the read continuation
    // that finds the input completed, the ConnectionClosed callback); they count as completions, which is
    // what .NET's hill climbing sees when many clients leave at once. Without --io-on-pool nothing is queued.
    const auto items_after_close = [](const std::vector<std::string>& extra, double served) {
        ServerProcess server(
            binary, quick_server_args(joined({"--threads", "1", "--store-latency-ms", "50"}, extra)));
        const auto completed = [&] { return pool_completed_items(server.port()); };
        {
            std::vector<std::unique_ptr<HttpClient>> clients;
            for (int i = 0; i < 3; ++i) clients.push_back(std::make_unique<HttpClient>(server.port(), 5s));
            for (auto& c : clients) REQUIRE(c->request("GET", "/users/1")->status == 200);
            REQUIRE(eventually([&] { return completed() == served; }));
        }  // the three clients close their connections
        const double expected = extra.empty() ? served : served + 3 * 2;
        CHECK(eventually([&] { return completed() == expected; }));
        std::this_thread::sleep_for(200ms);  // nothing more comes
        return completed();
    };
    CHECK(items_after_close({}, 3) == 3);
    // One IOQueue, requests one after another: each response's send is a drain item of its own (3 + 3).
    CHECK(items_after_close({"--io-on-pool", "--io-queues", "1"}, 6) == 12);
}

TEST_CASE("socket-engine: socket events reach the pool through .NET's engine items, two per lone event",
          "[server_sync][io-on-pool]") {
    // One worker, one client, one request at a time. Without --socket-engine a request costs its own item and
    // its send's drain item (2). With it, the receive's event costs two engine items (the one that handles
    // it, and the one it requests first, which finds nothing), so 4. The client connects and sends nothing
    // until the pool is done with its accept: one engine event (Kestrel's accept loop, two items) and the
    // connection's own item, which finds no request and returns (3), so its first request comes through the
    // engine like the others. The client's end brings its two items from one more event (4 instead of 2).
    // Scraped on one kept connection, accepted before the counting starts: /metrics is answered on the I/O
    // thread, off the pool. `expected`: the scraper's accept and each phase's count, awaited (with a generous
    // deadline) before the 200 ms that shows nothing more comes: an item late on a busy machine is then
    // counted in its own phase.
    const auto counts = [](const std::vector<std::string>& extra, const std::vector<double>& expected) {
        ServerProcess server(binary, quick_server_args(joined({"--threads", "1", "--store-latency-ms", "50",
                                                               "--io-on-pool", "--io-queues", "1"},
                                                              extra)));
        HttpClient scraper(server.port(), 5s);
        const auto completed = [&] { return gauge(scraper, "threadpool_completed_items_total"); };
        std::vector<double> seen;
        double total = 0;
        const auto settle = [&](double phase_expected) {
            REQUIRE(eventually([&] { return completed() >= total + phase_expected; }));
            std::this_thread::sleep_for(200ms);  // anything still to come is counted
            const double now = completed();
            seen.push_back(now - total);
            total = now;
        };
        settle(expected[0]);  // the scraper's accept and its connection's item, with the flag
        {
            HttpClient client(server.port(), 5s);
            settle(expected[1]);
            REQUIRE(client.request("GET", "/users/1")->status == 200);
            settle(expected[2]);
            for (int i = 0; i < 2; ++i) REQUIRE(client.request("GET", "/users/1")->status == 200);
            settle(expected[3]);
        }  // the client closes its connection
        settle(expected[4]);
        return std::vector<double>(seen.begin() + 1, seen.end());
    };
    CHECK(counts({}, {0, 0, 2, 4, 2}) == std::vector<double>{0, 2, 4, 2});
    CHECK(counts({"--socket-engine"}, {3, 3, 4, 8, 4}) == std::vector<double>{3, 4, 8, 4});
}

TEST_CASE("socket-engine: a first request runs in its connection's item if it was in the socket at accept",
          "[server_sync][io-on-pool]") {
    // One worker. Client A's request holds it in the store (L = 300 ms) while client B connects and sends at
    // once, so B's request is in the socket when the accept loop, queued behind A, accepts it: B's
    // connection item runs it inline. From A in the store to both answered: A's item and its send (2), B's
    // accept (2 engine items), its connection's item with the request in it, and its send (6). Through the
    // engine, as the test above shows, B's request would have cost three items more (9).
    ServerProcess server(binary, quick_server_args({"--threads", "1", "--store-latency-ms", "300",
                                                    "--io-on-pool", "--io-queues", "1", "--socket-engine"}));
    HttpClient scraper(server.port(), 5s);
    const auto metric = [&](const char* name) { return gauge(scraper, name); };
    HttpClient a(server.port(), 5s);
    REQUIRE(a.send_request("GET", "/users/1"));
    REQUIRE(eventually([&] { return metric("store_calls_total") == 1; }));
    const double before = metric("threadpool_completed_items_total");
    HttpClient b(server.port(), 5s);
    REQUIRE(b.send_request("GET", "/users/2"));
    for (HttpClient* client : {&a, &b}) {
        const auto r = client->read_response();
        REQUIRE(r);
        CHECK(r->status == 200);
    }
    REQUIRE(eventually([&] { return metric("threadpool_completed_items_total") >= before + 6; }));
    std::this_thread::sleep_for(200ms);  // nothing more comes
    CHECK(metric("threadpool_completed_items_total") - before == 6);
    CHECK(metric("store_calls_total") == 2);
}

TEST_CASE("socket-engine: connections wait in the kernel's backlog until an engine item accepts them",
          "[server_sync][io-on-pool]") {
    // Kestrel's accept loop runs on the pool: with the one worker blocked, a new client is not even accepted
    // (http_connections_open counts the scraper and the first client only; the queue holds the engine item
    // that will accept it), where without the flag it is accepted and its request waits in the queue. Once the
    // worker is free the loop accepts it and it is served.
    const auto open_while_blocked = [](const std::vector<std::string>& extra) {
        ServerProcess server(binary, quick_server_args(joined({"--threads", "1", "--store-latency-ms", "1000",
                                                               "--io-on-pool"},
                                                              extra)));
        HttpClient scraper(server.port(), 5s);
        const auto metric = [&](const char* name) { return gauge(scraper, name); };
        HttpClient first(server.port(), 5s);
        REQUIRE(first.send_request("GET", "/users/1"));
        // The worker is busy with the request itself, in the store: a busy worker alone may still be running
        // the engine items queued ahead of the request, one of which would accept the second client.
        REQUIRE(eventually(
            [&] { return metric("threadpool_busy_threads") == 1 && metric("store_calls_total") == 1; }));
        HttpClient second(server.port(), 5s);
        REQUIRE(second.send_request("GET", "/users/2"));
        std::this_thread::sleep_for(200ms);  // time to be accepted and queued, were it accepted at once (L = 1 s)
        const double open = metric("http_connections_open");
        CHECK(metric("threadpool_queue_length") == 1);  // its request, or the engine item that will accept it
        for (HttpClient* client : {&first, &second}) {
            const auto r = client->read_response();
            REQUIRE(r);
            CHECK(r->status == 200);
        }
        return open;
    };
    CHECK(open_while_blocked({}) == 3);
    CHECK(open_while_blocked({"--socket-engine"}) == 2);
}

TEST_CASE("socket-engine: --accept-work-us paces the accept loop, one connection per period in a burst",
          "[server_sync][io-on-pool]") {
    // Three clients connect at once. With 300 ms of accept work per connection the loop accepts the third
    // at least 600 ms after the first (a lower bound: a slow machine only adds to it), so its answer (L =
    // 50 ms) comes no sooner; without it all three are accepted at once and answered well within that.
    const auto last_answer_after = [](const std::vector<std::string>& extra) {
        ServerProcess server(
            binary,
            quick_server_args(joined(
                {"--threads", "2", "--store-latency-ms", "50", "--io-on-pool", "--socket-engine"}, extra)));
        std::vector<std::unique_ptr<HttpClient>> clients;
        const auto sent = std::chrono::steady_clock::now();
        for (int i = 0; i < 3; ++i) {
            clients.push_back(std::make_unique<HttpClient>(server.port(), 10s));
            REQUIRE(clients.back()->send_request("GET", "/users/1"));
        }
        for (const auto& client : clients) {
            const auto r = client->read_response();
            REQUIRE(r);
            CHECK(r->status == 200);
        }
        return std::chrono::steady_clock::now() - sent;
    };
    CHECK(last_answer_after({"--accept-work-us", "300000"}) >= 600ms);
    CHECK(last_answer_after({}) < 600ms);
}

TEST_CASE("warm-up: the ASP.NET Core target's four start-up requests are served before the listening line",
          "[server_sync][warm-up]") {
    // Three of them are pool work items (/health, POST /work, /nope; /metrics is answered on the I/O thread),
    // all done by the time the port is announced, after --start-up-items' empty items; without the flags the
    // pool has run nothing. (A worker counts its item just after the item itself is done: hence eventually.)
    const auto completed_items = [](const std::vector<std::string>& extra, double expected) {
        ServerProcess server(
            binary, quick_server_args(joined({"--pool", "elastic", "--store-latency-ms", "50"}, extra)));
        const auto value = [&] { return pool_completed_items(server.port()); };
        CHECK(eventually([&] { return value() >= std::max(expected, 1.0); }, 2s) == (expected > 0));
        return value();
    };
    CHECK(completed_items({"--warm-up"}, 3) == 3);
    CHECK(completed_items({"--start-up-items", "30"}, 30) == 30);
    CHECK(completed_items({"--start-up-items", "30", "--warm-up"}, 33) == 33);
    CHECK(completed_items({"--start-up-items", "5@150,10@40,15", "--warm-up"}, 33) == 33);
    CHECK(completed_items({}, 0) == 0);
}

TEST_CASE("start-up items in groups: the first group comes its MS before the warm-up, the port after it",
          "[server_sync][warm-up]") {
    // Groups at their times, as the runtime's start-up items come over its start: the port cannot be
    // announced before the earliest group's MS have passed (a lower bound: a slow machine only adds to it).
    const auto started = std::chrono::steady_clock::now();
    ServerProcess server(binary, quick_server_args({"--pool", "elastic", "--start-up-items", "2@300,3@100,4"}));
    const auto port = server.port();
    CHECK(std::chrono::steady_clock::now() - started >= 300ms);
    CHECK(eventually([&] { return pool_completed_items(port) == 9; }, 2s));
}

TEST_CASE("thread-per-connection: a connection waits until a thread is free, however idle the others are",
          "[server_sync][tpc]") {
    ServerProcess server(binary, quick_server_args({"--model", "thread-per-connection", "--threads", "1",
                                                    "--keepalive-timeout-ms", "5000"}));
    const auto port = server.port();
    auto owner = std::make_unique<HttpClient>(port);
    REQUIRE(owner->request("GET", "/health"));  // now owns the only thread, and idles
    HttpClient waiting(port, 400ms);
    REQUIRE(waiting.send_request("GET", "/health"));
    CHECK_FALSE(waiting.read_response());  // starved by an idle connection
    const auto t = Clock::now();
    owner.reset();                     // the owner leaves: the thread picks up the waiting connection
    auto r = waiting.read_response();  // timeout is 400 ms per read
    REQUIRE(r);
    CHECK(r->status == 200);
    CHECK(ms_since(t) < 400);
}

TEST_CASE("elastic pool grows under starvation, visible in /metrics, one thread per gate period at most",
          "[server_sync][elastic]") {
    // Store calls of 10 s keep the pool starved for the whole test however slow the machine is.
    ServerProcess server(binary,
                         quick_server_args({"--pool", "elastic", "--min-threads", "1", "--max-threads", "10",
                                            "--store-latency-ms", "10000", "--shutdown-grace-ms", "0"}));
    const auto port = server.port();
    const auto t0 = Clock::now();
    std::vector<std::unique_ptr<HttpClient>> clients;
    for (int i = 0; i < 8; ++i) {
        clients.push_back(std::make_unique<HttpClient>(port));
        REQUIRE(clients.back()->send_request("GET", "/users/1"));
    }
    // Waits on the condition (a sanitizer build beside another test is slow), then checks the bound: the
    // gate adds at most one thread per 500 ms period, however it is scheduled.
    double threads = 0;
    std::string m;
    const bool grew = eventually(
        [&] {
            m = scrape_metrics(port);
            threads = metric_value(m, "threadpool_threads").value_or(0);
            return threads >= 3;
        },
        8s);
    const double elapsed = seconds_since(t0);
    INFO(m);
    REQUIRE(grew);
    CHECK(threads <= 1 + elapsed / 0.5 + 1);
    CHECK(metric_value(m, "threadpool_queue_length").value_or(0) >= 1);  // still starved: 8 calls > threads
    // --shutdown-grace-ms 0 with requests in flight: they are lost, so the exit is not clean.
    server.signal(SIGTERM);
    CHECK(server.wait_exit(5s) == 5);
}

TEST_CASE("sync-over-async on a fixed pool: deadlock once every worker waits, detected, exit 4",
          "[server_sync][sync-over-async]") {
    SECTION("reported in /metrics (the I/O thread still serves it) and in the log; SIGTERM exits 4") {
        ServerProcess server(binary, quick_server_args({"--threads", "2", "--antipattern", "sync-over-async",
                                                        "--store-latency-ms", "100"}));
        const auto port = server.port();
        HttpClient a(port), b(port);
        REQUIRE(a.send_request("GET", "/users/1"));
        REQUIRE(b.send_request("GET", "/users/2"));
        std::string m;
        REQUIRE(eventually(
            [&] {
                m = scrape_metrics(port);
                return metric_value(m, "deadlock_detected").value_or(0) == 1;
            },
            10s));
        CHECK(metric_value(m, "threadpool_busy_threads").value_or(0) == 2);
        // Detected as soon as both workers wait; their completions are queued once the timers fire, and
        // never run.
        REQUIRE(eventually(
            [&] {
                m = scrape_metrics(port);
                return metric_value(m, "threadpool_queue_length").value_or(0) == 2;
            },
            10s));
        INFO(m);
        CHECK(metric_value(m, "threadpool_completed_items_total").value_or(-1) == 0);
        CHECK(server.stderr_text().find("deadlock detected") != std::string::npos);
        server.signal(SIGTERM);
        CHECK(server.wait_exit(10s) == 4);
    }
    SECTION("--deadlock-exit exits 4 by itself") {
        ServerProcess server(binary, quick_server_args({"--threads", "1", "--antipattern", "sync-over-async",
                                                        "--deadlock-exit", "--store-latency-ms", "100"}));
        HttpClient a(server.port());
        REQUIRE(a.send_request("GET", "/users/1"));
        CHECK(server.wait_exit(10s) == 4);
    }
    SECTION("fewer requests than workers: a free worker runs the completions, no deadlock") {
        ServerProcess server(binary, quick_server_args({"--threads", "3", "--antipattern", "sync-over-async",
                                                        "--store-latency-ms", "100"}));
        const auto port = server.port();
        HttpClient a(port), b(port);
        for (int i = 0; i < 3; ++i) {
            REQUIRE(a.send_request("GET", "/users/1"));
            REQUIRE(b.send_request("GET", "/users/2"));
            auto ra = a.read_response();
            auto rb = b.read_response();
            REQUIRE(ra);
            REQUIRE(rb);
            CHECK(ra->status == 200);
            CHECK(rb->status == 200);
        }
        CHECK(metric_value(scrape_metrics(port), "deadlock_detected").value_or(-1) == 0);
        server.signal(SIGTERM);
        CHECK(server.wait_exit(10s) == 0);
    }
}

TEST_CASE(
    "sync-over-async on an elastic pool: the blocking adjustment adds threads and every request completes",
    "[server_sync][sync-over-async][elastic]") {
    // 8 requests on min 1 thread: each blocks a worker and queues its completion behind the others. Only the
    // blocking adjustment (1 + cores at once, then 25 ms steps) gets enough threads to run them quickly;
    // the 500 ms starvation gate alone would need seconds.
    ServerProcess server(
        binary, quick_server_args({"--pool", "elastic", "--min-threads", "1", "--max-threads", "50",
                                   "--antipattern", "sync-over-async", "--store-latency-ms", "100"}));
    const auto port = server.port();
    std::vector<std::unique_ptr<HttpClient>> clients;
    for (int i = 0; i < 8; ++i) {
        clients.push_back(std::make_unique<HttpClient>(port, 20s));
        REQUIRE(clients.back()->send_request("GET", "/users/" + std::to_string(i + 1)));
    }
    for (auto& c : clients) {
        auto r = c->read_response();
        REQUIRE(r);
        CHECK(r->status == 200);
    }
    const std::string m = scrape_metrics(port);
    INFO(m);
    CHECK(metric_value(m, "threadpool_threads").value_or(0) >= 9);  // 8 blocked + 1 to run completions
    CHECK(metric_value(m, "deadlock_detected").value_or(-1) == 0);
    server.signal(SIGTERM);
    CHECK(server.wait_exit(10s) == 0);
}
