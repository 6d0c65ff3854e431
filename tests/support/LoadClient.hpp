#pragma once
/// \file Test support: a closed-loop HTTP load client for the tests (the project's loadgen is the part under
/// test elsewhere): C keep-alive connections, each sending its next request as soon as the previous response
/// arrived.

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace slowio::test {

/// What one closed-loop run measured.
struct LoadResult {
    std::size_t completed = 0;  ///< responses completed inside the measurement window
    std::size_t ok = 0;         ///< of which 2xx
    std::size_t errors = 0;     ///< connect/read/write failures and non-2xx, whole run
    double window_s = 0;
    double mean_latency_ms = 0;               ///< over the window's responses
    std::vector<double> latencies_ms;         ///< each response completed inside the window
    std::vector<std::size_t> per_connection;  ///< responses completed inside the window, per connection
    /// Completed per second inside the window.
    double rps() const { return window_s > 0 ? static_cast<double>(completed) / window_s : 0; }
    /// Median of latencies_ms (0 when empty).
    double median_latency_ms() const;
};

/// Runs `connections` closed-loop connections to 127.0.0.1:`port`, each repeatedly sending
/// `GET <target> HTTP/1.1` (keep-alive). Counts responses completed between `warmup` and `warmup + window`,
/// then stops (requests still in flight are abandoned). One Asio thread drives all connections.
LoadResult run_closed_loop(std::uint16_t port, std::size_t connections, const std::string& target,
                           std::chrono::milliseconds warmup, std::chrono::milliseconds window);

}  // namespace slowio::test
