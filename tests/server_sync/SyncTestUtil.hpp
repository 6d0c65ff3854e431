#pragma once
// Helpers shared by the server_sync tests: start the binary, scrape /metrics, wait for conditions.

#include <chrono>
#include <optional>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "HttpClient.hpp"
#include "ServerProcess.hpp"

namespace synctest {

using namespace std::chrono_literals;
using slowio::test::ClientResponse;
using slowio::test::HttpClient;
using slowio::test::ServerProcess;
using Clock = std::chrono::steady_clock;

inline const std::string binary = SERVER_SYNC_BINARY;

/// Starts server_sync on an ephemeral port with a small database (fast start) plus `args`.
inline std::vector<std::string> args(std::vector<std::string> extra) {
    std::vector<std::string> a{"--port", "0", "--users", "1000", "--log-level", "warn"};
    a.insert(a.end(), extra.begin(), extra.end());
    return a;
}

/// The value of the first sample whose line starts with `series` followed by a space (e.g.
/// `threadpool_busy_threads` or `http_rejected_total{reason="queue_full"}`), from a /metrics body.
inline std::optional<double> metric(const std::string& body, const std::string& series) {
    std::istringstream in(body);
    std::string line;
    while (std::getline(in, line)) {
        if (line.rfind(series + " ", 0) == 0) return std::stod(line.substr(series.size() + 1));
    }
    return std::nullopt;
}

/// GET /metrics on a fresh connection; "" on failure.
inline std::string scrape(std::uint16_t port) {
    HttpClient c(port, 5s);
    const auto r = c.request("GET", "/metrics");
    return r ? r->body : std::string();
}

/// Polls `pred` for up to `limit`.
template <typename Pred>
bool eventually(Pred pred, std::chrono::milliseconds limit = 3000ms) {
    const auto deadline = Clock::now() + limit;
    while (Clock::now() < deadline) {
        if (pred()) return true;
        std::this_thread::sleep_for(10ms);
    }
    return pred();
}

inline double ms_since(Clock::time_point t) {
    return std::chrono::duration<double, std::milli>(Clock::now() - t).count();
}

}  // namespace synctest
