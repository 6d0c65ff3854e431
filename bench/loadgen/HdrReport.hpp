#pragma once
#include <ostream>
#include <string>
#include <system_error>

#include "LatencyHistogram.hpp"

namespace slowio::loadgen {

/// HdrHistogram's "percentile distribution" text (the table outputPercentileDistribution prints, as wrk2
/// does): Value, Percentile, TotalCount, 1/(1-Percentile), 5 ticks per half-distance to 100%, then the #[Mean
/// ...] footer. Values are in milliseconds (wrk2's unit), so existing HdrHistogram plotters read our files
/// as-is.
class HdrReport {
  public:
    /// Writes the distribution of `h` (ns values) to `out`.
    static void write(const LatencyHistogram& h, std::ostream& out);
    /// Writes it to `path`.
    static std::error_code write(const LatencyHistogram& h, const std::string& path);
};

}  // namespace slowio::loadgen
