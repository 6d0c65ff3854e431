#pragma once
#include <ostream>
#include <string>
#include <system_error>

#include "RunResult.hpp"

namespace slowio::loadgen {

/// The --timeseries CSV: one row per interval, so client and server views of starvation share a timeline.
/// Columns: t_s (end of the interval, from the run's start), phase (warmup/steady/drain), the client's rps,
/// p50_us, p99_us (CO-corrected, of the responses and timeouts completing in the interval) and errors, then
/// one column per scraped server gauge (sampled at t_s; empty when the scrape failed or the server lacks the
/// metric).
class TimeseriesReport {
  public:
    /// Writes the whole series to `out`.
    static void write(const RunResult& r, std::ostream& out);
    /// Writes the whole series to `path` (overwriting).
    static std::error_code write(const RunResult& r, const std::string& path);
};

}  // namespace slowio::loadgen
