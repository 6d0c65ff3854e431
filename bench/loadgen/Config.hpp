#pragma once
#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include "RetryPolicy.hpp"
#include "Stages.hpp"
#include "Url.hpp"

namespace slowio::loadgen {

/// Everything a run needs, already validated by CommandLine (or filled in directly by tests).
struct Config {
    Url target;                        ///< host, port and the default path
    std::vector<std::string> paths;    ///< --path templates; empty means target.path
    std::string method = "GET";        ///< request method
    std::string body;                  ///< request body (sent with Content-Length when non-empty)
    std::vector<std::string> headers;  ///< extra "Name: value" header lines
    unsigned threads = 1;              ///< -t: worker threads, each with its own io_context
    unsigned connections = 10;         ///< -c: total connections, spread across threads
    double rate = 0;                   ///< -R: total requests/s (open loop); 0 = closed loop
    std::chrono::nanoseconds duration = std::chrono::seconds(10);  ///< -d: whole run, warm-up included
    std::chrono::nanoseconds warmup = std::chrono::seconds(5);     ///< --warmup: excluded from every figure
    std::chrono::nanoseconds timeout = std::chrono::seconds(30);   ///< --timeout: per request
    bool keepalive = true;                                         ///< false = new connection per request
    double connect_rate = 10000;  ///< --connect-rate: new connections/s at start; 0 = all at once
    std::string scrape_url;       ///< --scrape: server /metrics URL, empty = off
    /// --scrape-interval / time-series step
    std::chrono::nanoseconds interval = std::chrono::milliseconds(250);
    std::string json_file, csv_file, timeseries_file, hdr_file, hlog_file;  ///< report outputs, empty = off
    /// --start-at: the run's t = 0 as seconds since the epoch (0 = now), so several load hosts share a
    /// timeline
    double start_at = 0;
    bool progress = true;  ///< live progress line (only when stderr is a terminal)
    RetryPolicy retry;     ///< --retries, --retry-backoff
    /// --stages: the load level over time (then `duration` is their sum and `connections` / `rate` their
    /// peak)
    std::vector<Stage> stages;

    /// The steady (reported) window's length.
    std::chrono::nanoseconds window() const { return duration - warmup; }
    /// True for -R runs.
    bool open_loop() const { return rate > 0; }
};

}  // namespace slowio::loadgen
