// server_async's own behaviour over real sockets: its event-loop metrics, pipelined-response batching and
// fairness, its flags, and the anti-patterns' observable behaviour. What every server must do is in
// tests/servers (the contract suite), run against server_async too. Store latency is time-dilated
// (50–300 ms).

#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <catch2/catch.hpp>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <future>
#include <memory>
#include <sstream>
#include <thread>

#include "Conditions.hpp"
#include "HttpClient.hpp"
#include "PrometheusText.hpp"
#include "ServerProcess.hpp"

using namespace slowio::test;
using namespace std::chrono_literals;

namespace {

const std::string binary = SERVER_ASYNC_BINARY;

/// server_async with `latency_ms` store latency (see quick_server_args), plus `extra`.
std::vector<std::string> server_args(int latency_ms, const std::vector<std::string>& extra = {}) {
    std::vector<std::string> args{"--store-latency-ms", std::to_string(latency_ms)};
    args.insert(args.end(), extra.begin(), extra.end());
    return quick_server_args(args);
}

}  // namespace

TEST_CASE("keep-alive fast path, and the metrics of an event loop (none of a worker pool)",
          "[server_async]") {
    ServerProcess server(binary, server_args(50));

    HttpClient client(server.port());
    const auto health = client.request("GET", "/health");
    REQUIRE(health);
    CHECK(health->status == 200);
    CHECK(health->body == R"({"status":"ok"})");
    CHECK(health->header("Connection") == "keep-alive");

    const auto t0 = Clock::now();
    const auto user = client.request("GET", "/users/7");
    REQUIRE(user);
    CHECK(user->status == 200);
    CHECK(seconds_since(t0) >= 0.045);  // the store wait happened
    CHECK(user->body.find(R"("id":7)") != std::string::npos);

    const std::string metrics = scrape_metrics(server.port());
    CHECK(metric_value(metrics, "eventloop_lag_seconds_count").value_or(0) > 0);
    CHECK(metric_value(metrics, "eventloop_lag_max_seconds"));
    CHECK(metric_value(metrics, "deadlock_detected") == 0.0);
    CHECK(metric_value(metrics, "http_connections_open").value_or(0) >= 1);
    CHECK(metric_value(metrics, "store_calls_total") == 1.0);
    CHECK(metrics.find("http_responses_total{code=\"200\"} 2") != std::string::npos);
    // Absent, never faked: server_async has no worker pool of request threads.
    CHECK_FALSE(metric_value(metrics, "threadpool_threads"));
}

TEST_CASE("pipelined responses are written together but never held behind a wait", "[server_async]") {
    const auto get = [](const std::string& target) {
        return "GET " + target + " HTTP/1.1\r\nHost: t\r\n\r\n";
    };
    ServerProcess server(binary, server_args(400));

    SECTION("a response queued before a store call is sent before the store wait, not after it") {
        HttpClient client(server.port());
        const auto start = Clock::now();
        REQUIRE(client.send_raw(get("/health") + get("/users/5") + get("/health")));
        const auto first = client.read_response();
        const double first_s = seconds_since(start);
        const auto second = client.read_response();
        const auto third = client.read_response();
        const double all_s = seconds_since(start);
        REQUIRE((first && second && third));
        CHECK(first->body == R"({"status":"ok"})");
        CHECK(second->body.find(R"("id":5)") != std::string::npos);
        CHECK(third->body == R"({"status":"ok"})");
        INFO("first response after " << first_s << " s, all three after " << all_s << " s (L = 0.4 s)");
        CHECK(first_s < 0.2);
        CHECK(all_s >= 0.39);
    }

    SECTION("many pipelined requests spanning several reads, then a half-close: every response, in order") {
        // ~300 requests (~12 KB): far more than the 256-byte read buffer, and more than one batch of
        // responses.
        std::string requests;
        constexpr int count = 300;
        for (int i = 0; i < count; ++i)
            requests += i % 2 == 0 ? get("/health") : get("/no-" + std::to_string(i));
        HttpClient client(server.port());
        REQUIRE(client.send_raw(requests));
        client.shutdown_send();  // EOF right behind the last request: queued responses must still go out
        for (int i = 0; i < count; ++i) {
            INFO("response #" << i);
            const auto r = client.read_response();
            REQUIRE(r);
            if (i % 2 == 0) {
                CHECK(r->status == 200);
            } else {
                CHECK(r->status == 404);
                CHECK(r->body.find("/no-" + std::to_string(i)) != std::string::npos);
            }
        }
        CHECK(client.wait_closed());
    }

    SECTION("a bad request after good pipelined ones: their responses first, then the 400") {
        HttpClient client(server.port());
        REQUIRE(
            client.send_raw(get("/health") + get("/health") + "GET / HTTP/1.1\r\nBad Header Line\r\n\r\n"));
        const auto r1 = client.read_response();
        const auto r2 = client.read_response();
        const auto r3 = client.read_response();
        REQUIRE((r1 && r2 && r3));
        CHECK(r1->status == 200);
        CHECK(r2->status == 200);
        CHECK(r3->status == 400);
        CHECK(client.wait_closed());
    }
}

TEST_CASE("one client's long pipeline does not hold the io thread from the others", "[server_async]") {
    ServerProcess server(binary, server_args(50));  // K = 1: one io thread for everyone
    std::size_t response_size = 0;
    {
        HttpClient probe(server.port());
        const auto r = probe.request("GET", "/health");
        REQUIRE(r);
        response_size = r->raw.size();  // constant: the Date header has a fixed width
    }
    // 1,000,000 pipelined /health requests (~34 MB): a second or more of the io thread's work, sent as fast
    // as the socket takes them while their responses are read as fast as they come.
    const std::string request = "GET /health HTTP/1.1\r\nHost: t\r\n\r\n";
    constexpr std::size_t per_chunk = 10'000;
    constexpr std::size_t chunks = 100;
    std::string chunk;
    for (std::size_t i = 0; i < per_chunk; ++i) chunk += request;
    const std::size_t expected = response_size * per_chunk * chunks;
    HttpClient flood(server.port(), 30s);
    std::atomic<std::size_t> received{0};
    std::atomic<bool> reading{true};
    std::thread writer([&] {
        for (std::size_t i = 0; i < chunks && flood.send_raw(chunk); ++i) {
        }
    });
    std::thread reader([&] {
        received = flood.discard(expected);
        reading = false;
    });
    std::this_thread::sleep_for(200ms);  // the flood is under way
    // Meanwhile another client: each of its requests waits for at most one batch of the flood's, not for
    // the flood to pause.
    HttpClient other(server.port());
    double worst_s = 0;
    for (int i = 0; i < 5; ++i) {
        const auto start = Clock::now();
        const auto r = other.request("GET", "/health");
        REQUIRE(r);
        worst_s = std::max(worst_s, seconds_since(start));
        std::this_thread::sleep_for(20ms);
    }
    const bool flood_was_running = reading.load();
    writer.join();
    reader.join();
    CHECK(received.load() == expected);
    INFO("slowest of 5 requests during the flood: " << worst_s * 1000 << " ms");
    REQUIRE(flood_was_running);  // otherwise this proved nothing: the flood must outlast the probe requests
    CHECK(worst_s < 0.1);
}

TEST_CASE("command line: bad async-only flags exit 2, --help names the async-only flags",
          "[server_async][cli]") {
    CHECK(run_command(binary, {"--threads", "0"}).exit_code == 2);
    CHECK(run_command(binary, {"--antipattern", "bogus"}).exit_code == 2);
    CHECK(run_command(binary, {"--no-such-flag"}).exit_code == 2);
    CHECK(run_command(binary, {"--port", "0", "--store-jitter", "sideways"}).exit_code == 2);
    CHECK(run_command(binary, {"--bind", "not-an-address"}).exit_code == 2);
    const auto help = run_command(binary, {"--help"});
    CHECK(help.exit_code == 0);
    CHECK(help.output.find("server_async only") != std::string::npos);
    CHECK(help.output.find("--antipattern") != std::string::npos);
    CHECK(help.output.find("--store-latency-ms") != std::string::npos);
}

TEST_CASE("sync-over-async with one io thread deadlocks and the watchdog detects it within 2L+1s",
          "[server_async][antipattern]") {
    const auto status =
        std::filesystem::temp_directory_path() / ("slowio-async-status-" + std::to_string(::getpid()));
    ServerProcess server(
        binary, server_args(100, {"--antipattern", "sync-over-async", "--status-file", status.string()}));
    {
        std::ifstream in(status);
        std::string line;
        std::getline(in, line);
        CHECK(line == "deadlock_detected 0");
    }
    HttpClient client(server.port(), 5s);
    const auto t0 = Clock::now();
    client.send_request("GET", "/users/1");
    // Bound: 2·100 ms + 1 s = 1.2 s, plus the watchdog's 50 ms poll.
    bool detected = false;
    while (!detected && seconds_since(t0) < 4.0) {
        std::this_thread::sleep_for(20ms);
        detected = server.stderr_text().find("deadlock detected: ") != std::string::npos;
    }
    const double after = seconds_since(t0);
    REQUIRE(detected);
    CHECK(after >= 1.15);  // not before the watchdog's bound, 2 L + 1 s = 1.2 s
    // ... and soon after it: generous for a sanitizer build beside another test (TSan took 2.2 s to exit).
    CHECK(after < 4.5);
    std::ifstream in(status);
    std::string line;
    std::getline(in, line);
    CHECK(line == "deadlock_detected 1");
    // Logged once.
    const std::string err = server.stderr_text();
    CHECK(err.find("deadlock detected: ") == err.rfind("deadlock detected: "));
    // A stuck loop cannot drain: SIGTERM then exits with the deadlock code instead of hanging.
    server.signal(SIGTERM);
    CHECK(server.wait_exit(3s) == 4);
    std::filesystem::remove(status);
}

TEST_CASE("deadlock-exit flag: a deadlocked server exits with code 4", "[server_async][antipattern]") {
    ServerProcess server(binary, server_args(100, {"--antipattern", "sync-over-async", "--deadlock-exit"}));
    HttpClient client(server.port(), 5s);
    const auto t0 = Clock::now();
    client.send_request("GET", "/users/1");
    CHECK(server.wait_exit(5s) == 4);
    const double after = seconds_since(t0);
    CHECK(after >= 1.15);  // not before the watchdog's bound, 2 L + 1 s = 1.2 s
    // ... and soon after it: generous for a sanitizer build beside another test (TSan took 2.2 s to exit).
    CHECK(after < 4.5);
    CHECK(server.stderr_text().find("deadlock detected: ") != std::string::npos);
}

TEST_CASE("sync-over-async with two io threads: fine while a thread is free, deadlock once both block",
          "[server_async][antipattern]") {
    ServerProcess server(
        binary, server_args(100, {"--antipattern", "sync-over-async", "--threads", "2", "--deadlock-exit"}));
    {
        // One request at a time: one thread blocks in future.get(), the other runs the timer.
        HttpClient client(server.port());
        for (int i = 0; i < 3; ++i) {
            const auto r = client.request("GET", "/users/1");
            REQUIRE(r);
            CHECK(r->status == 200);
        }
    }
    HttpClient a(server.port(), 5s);
    HttpClient b(server.port(), 5s);
    a.send_request("GET", "/users/1");
    b.send_request("GET", "/users/2");
    CHECK(server.wait_exit(5s) == 4);
}

TEST_CASE("blocking-store: correct answers, the loop is blocked for L per call",
          "[server_async][antipattern]") {
    ServerProcess server(binary, server_args(200, {"--antipattern", "blocking-store"}));
    HttpClient slow(server.port());
    HttpClient fast(server.port());
    slow.send_request("GET", "/users/1");
    std::this_thread::sleep_for(30ms);
    const auto t0 = Clock::now();
    const auto health = fast.request("GET", "/health");  // stuck behind the blocked io thread
    const double waited = seconds_since(t0);
    REQUIRE(health);
    CHECK(waited >= 0.12);
    const auto user = slow.read_response();
    REQUIRE(user);
    CHECK(user->status == 200);
    CHECK(metric_value(scrape_metrics(server.port()), "eventloop_lag_max_seconds").value_or(0) >= 0.15);
}

TEST_CASE("POST /work: inline blocks the loop, offload keeps it free and gives the same answer",
          "[server_async][antipattern]") {
    // n = 200,000,000 is the bounded maximum: about 0.3–0.5 s of CPU.
    const std::string long_work = "/work?n=200000000";
    auto measure = [&](const std::vector<std::string>& extra, std::string& work_body) {
        ServerProcess server(binary, server_args(50, extra));
        HttpClient worker(server.port(), 10s);
        HttpClient probe(server.port(), 10s);
        REQUIRE(probe.request("GET", "/health"));
        const auto w0 = Clock::now();
        worker.send_request("POST", long_work);
        std::this_thread::sleep_for(50ms);
        const auto t0 = Clock::now();
        REQUIRE(probe.request("GET", "/health"));
        const double health_wait = seconds_since(t0);
        const auto r = worker.read_response();
        const double work_time = seconds_since(w0);
        REQUIRE(r);
        CHECK(r->status == 200);
        work_body = r->body;
        INFO("work took " << work_time << " s");
        return std::pair{health_wait, work_time};
    };
    std::string inline_body, offload_body;
    const auto [inline_wait, inline_time] = measure({}, inline_body);
    const auto [offload_wait, offload_time] =
        measure({"--antipattern", "offload", "--offload-threads", "1"}, offload_body);
    INFO("inline /health wait " << inline_wait << " s, offload " << offload_wait << " s");
    CHECK(inline_body == offload_body);
    CHECK(inline_wait > 0.5 * (inline_time - 0.05));  // /health waited for most of the work
    CHECK(offload_wait < 0.1);                        // the loop stayed free
}

TEST_CASE("POST /work awaited on the offload pool holds one thread per CPU request, as inline does",
          "[server_async][antipattern]") {
    // Task.Run + await does not "use two threads": while the pool runs it the coroutine holds no thread.
    // cpu_work_thread_seconds_total / cpu_work_request_seconds_total is 1 inline (the io thread) and a
    // little under 1 offloaded (the hop back to the io thread is in flight but holds no thread).
    auto ratio = [](const std::vector<std::string>& extra) {
        ServerProcess server(binary, server_args(50, extra));
        HttpClient client(server.port(), 30s);
        for (int i = 0; i < 3; ++i) {
            const auto r = client.request("POST", "/work?n=20000000");
            REQUIRE(r);
            CHECK(r->status == 200);
        }
        const auto text = scrape_metrics(server.port());
        const double in_flight = metric_value(text, "cpu_work_request_seconds_total").value_or(0);
        REQUIRE(in_flight > 0);
        return metric_value(text, "cpu_work_thread_seconds_total").value_or(0) / in_flight;
    };
    const double inline_ratio = ratio({});
    const double offload_ratio = ratio({"--antipattern", "offload", "--offload-threads", "1"});
    INFO("threads per CPU request: inline " << inline_ratio << ", offload " << offload_ratio);
    CHECK(inline_ratio == Approx(1.0).margin(0.01));
    CHECK(offload_ratio > 0.8);
    CHECK(offload_ratio <= 1.0 + 1e-6);
}
