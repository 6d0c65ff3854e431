#pragma once
#include <cstdint>

#include "LatencyHistogram.hpp"

namespace slowio::loadgen {

/// The latency figures every report shows, in microseconds, computed once from a histogram so the JSON, CSV
/// and human summaries can never disagree.
struct LatencySummary {
    std::uint64_t count = 0;                                ///< recorded requests
    double min = 0;                                         ///< exact
    double p50 = 0, p90 = 0, p99 = 0, p999 = 0, p9999 = 0;  ///< within the histogram's resolution
    double max = 0;                                         ///< exact
    double mean = 0;                                        ///< exact
    double stdev = 0;                                       ///< exact
    double within_stdev_pct = 0;  ///< share of values within mean +/- stdev (wrk's "+/- Stdev")

    /// Summarizes `h` (values in ns).
    static LatencySummary of(const LatencyHistogram& h) {
        LatencySummary s;
        s.count = h.count();
        if (s.count == 0) return s;
        auto us = [](double ns) { return ns / 1e3; };
        s.min = us(static_cast<double>(h.min()));
        s.p50 = us(static_cast<double>(h.value_at_percentile(50)));
        s.p90 = us(static_cast<double>(h.value_at_percentile(90)));
        s.p99 = us(static_cast<double>(h.value_at_percentile(99)));
        s.p999 = us(static_cast<double>(h.value_at_percentile(99.9)));
        s.p9999 = us(static_cast<double>(h.value_at_percentile(99.99)));
        s.max = us(static_cast<double>(h.max()));
        s.mean = us(h.mean());
        s.stdev = us(h.stdev());
        const double lo = h.mean() - h.stdev(), hi = h.mean() + h.stdev();
        const std::uint64_t below_hi = h.count_at_or_below(static_cast<std::uint64_t>(hi));
        const std::uint64_t below_lo = lo >= 1 ? h.count_at_or_below(static_cast<std::uint64_t>(lo) - 1) : 0;
        s.within_stdev_pct = 100.0 * static_cast<double>(below_hi - below_lo) / static_cast<double>(s.count);
        return s;
    }
};

}  // namespace slowio::loadgen
