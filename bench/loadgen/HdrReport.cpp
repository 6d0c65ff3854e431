#include "HdrReport.hpp"

#include <fmt/format.h>

#include <cerrno>
#include <cmath>
#include <fstream>

#include "ReportFile.hpp"

namespace slowio::loadgen {

void HdrReport::write(const LatencyHistogram& h, std::ostream& out) {
    out << fmt::format("{:>12} {:>14} {:>10} {:>14}\n\n", "Value", "Percentile", "TotalCount",
                       "1/(1-Percentile)");
    const double n = static_cast<double>(h.count());
    auto ms = [](std::uint64_t ns) { return static_cast<double>(ns) / 1e6; };
    if (h.count() > 0) {
        // HdrHistogram's percentile iterator: the step halves each time the distance to 100% halves.
        double pct = 0;
        while (true) {
            const std::uint64_t v = h.value_at_percentile(pct);
            const std::uint64_t total = h.count_at_or_below(v);
            const double frac = pct / 100.0;
            out << fmt::format("{:12.3f} {:2.12f} {:10d} {:14.2f}\n", ms(v), frac, total, 1.0 / (1.0 - frac));
            if (total >= h.count()) break;
            const double half_distances = std::floor(std::log2(100.0 / (100.0 - pct))) + 1;
            const double ticks = 5.0 * std::pow(2.0, half_distances);
            pct += 100.0 / ticks;
            if (pct >= 100.0 || (100.0 - pct) / 100.0 * n < 0.5) break;
        }
        out << fmt::format("{:12.3f} {:2.12f} {:10d}\n", ms(h.max()), 1.0, h.count());
    }
    out << fmt::format("#[Mean    = {:12.3f}, StdDeviation   = {:12.3f}]\n", h.mean() / 1e6, h.stdev() / 1e6);
    out << fmt::format("#[Max     = {:12.3f}, Total count    = {:12d}]\n", ms(h.max()), h.count());
    out << fmt::format("#[Buckets = {:12d}, SubBuckets     = {:12d}]\n", h.bucket_count(),
                       1u << LatencyHistogram::sub_bucket_bits);
}

std::error_code HdrReport::write(const LatencyHistogram& h, const std::string& path) {
    return write_report_file(path, [&](std::ostream& out) { write(h, out); });
}

}  // namespace slowio::loadgen
