// Throughput against Little's law (label "perf"): the awaited store call gives C/L with one io thread;
// the blocking-store anti-pattern collapses it to K/L. Time-dilated latency (100 ms) and a closed-loop
// Asio client in this process. Tolerances were chosen from repeated runs on the shared 2-core build box.

#include <catch2/catch.hpp>
#include <iostream>

#include "LoadClient.hpp"
#include "ServerProcess.hpp"

using namespace slowio::test;
using namespace std::chrono_literals;

namespace {

const std::string binary = SERVER_ASYNC_BINARY;

LoadResult measure(const std::vector<std::string>& extra, int latency_ms, std::size_t connections,
                   std::chrono::milliseconds warmup, std::chrono::milliseconds window) {
    std::vector<std::string> args{"--store-latency-ms", std::to_string(latency_ms)};
    args.insert(args.end(), extra.begin(), extra.end());
    ServerProcess server(binary, quick_server_args(args));
    const LoadResult r = run_closed_loop(server.port(), connections, "/users/1", warmup, window);
    std::cout << "server_async " << (extra.empty() ? std::string("default") : extra.back())
              << ": C=" << connections << " L=" << latency_ms << "ms -> " << r.rps() << " req/s ("
              << r.completed << " in " << r.window_s << " s, mean latency " << r.mean_latency_ms
              << " ms, errors " << r.errors << ")\n";
    return r;
}

}  // namespace

TEST_CASE("Little's law: K=1, awaited store, throughput = C/L", "[server_async][perf]") {
    constexpr int latency_ms = 100;
    // C small enough that neither this client nor the server is CPU-bound on 2 shared cores.
    const std::size_t c = GENERATE(200, 500);
    const LoadResult r = measure({"--threads", "1"}, latency_ms, c, 600ms, 3000ms);
    const double bound = static_cast<double>(c) / (latency_ms / 1000.0);
    INFO("throughput " << r.rps() << " req/s vs C/L = " << bound);
    CHECK(r.errors == 0);
    CHECK(r.ok == r.completed);
    CHECK(r.rps() >= 0.90 * bound);
    CHECK(r.rps() <= 1.02 * bound);
    CHECK(r.mean_latency_ms >= latency_ms);
    CHECK(r.mean_latency_ms < latency_ms * 1.12);
}

TEST_CASE("blocking-store: throughput collapses to K/L", "[server_async][perf][antipattern]") {
    constexpr int latency_ms = 100;
    const int k = GENERATE(1, 2);
    const LoadResult r = measure({"--threads", std::to_string(k), "--antipattern", "blocking-store"},
                                 latency_ms, 16, 500ms, 3000ms);
    const double bound = k / (latency_ms / 1000.0);
    INFO("K=" << k << ": throughput " << r.rps() << " req/s vs K/L = " << bound);
    CHECK(r.errors == 0);
    CHECK(r.rps() >= 0.8 * bound);
    CHECK(r.rps() <= 1.1 * bound);
}
