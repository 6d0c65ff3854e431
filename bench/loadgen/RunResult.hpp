#pragma once
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "Config.hpp"
#include "MachineInfo.hpp"
#include "Scraper.hpp"
#include "ThreadStats.hpp"

namespace slowio::loadgen {

/// Little's law cross-check: X (responses/s in the window) times mean latency should equal the mean number
/// of requests in flight, which we measure independently (summed in-flight time / window). A ratio far from
/// 1 means the numbers are lying somewhere (clock, accounting, or requests that never finished).
struct LittlesLaw {
    double throughput_rps = 0;       ///< all responses (any status) completing in the window / window
    double mean_latency_us = 0;      ///< mean uncorrected latency in the window
    double predicted_in_flight = 0;  ///< throughput_rps * mean latency
    double concurrency = 0;          ///< measured mean requests in flight
    double ratio = 0;                ///< predicted / measured (0 when nothing was measured)
};

/// Spread of steady-window completions across connections; a min of 0 exposes connections that a
/// thread-per-connection server never served.
struct PerConnection {
    std::uint64_t min = 0;     ///< fewest responses on one connection
    std::uint64_t median = 0;  ///< median
    std::uint64_t max = 0;     ///< most
};

/// Everything a finished run reports; the report writers only format it.
struct RunResult {
    Config config;                 ///< what was asked for
    MachineInfo machine;           ///< where it ran
    ThreadStats stats;             ///< all threads merged
    double start_epoch_s = 0;      ///< the run's t = 0 (Timeline::start) in seconds since the epoch
    double start_late_s = 0;       ///< how late the latest worker's first connect ran after it was due
    double window_s = 0;           ///< steady window length
    double elapsed_s = 0;          ///< wall time from start to the last thread's exit (drain included)
    double throughput_rps = 0;     ///< 2xx-3xx completing in the window / window_s
    LittlesLaw littles_law;        ///< cross-check
    PerConnection per_connection;  ///< spread
    bool scrape_requested =
        false;  ///< --scrape was given (samples may still be empty: unresolvable or failing)
    std::vector<ServerSample> server_samples;    ///< one per interval boundary
    std::map<std::string, double> server_peaks;  ///< peaks over the steady window's samples
    std::uint64_t scrape_failures = 0;           ///< scrapes that failed or timed out

    /// How many intervals the time series and the hlog write: at least every one up to the end, silent ones
    /// included (a gap in throughput is a finding), and any the drain reached after it.
    std::size_t interval_rows() const {
        const double iv = std::chrono::duration<double>(config.interval).count();
        const double end = std::chrono::duration<double>(config.duration).count();
        return std::max<std::size_t>(stats.intervals.size(),
                                     static_cast<std::size_t>(std::ceil(end / iv - 1e-9)));
    }
};

}  // namespace slowio::loadgen
