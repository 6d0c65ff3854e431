#include "TimeseriesReport.hpp"

#include <fmt/format.h>

#include <cerrno>
#include <cmath>
#include <fstream>

#include "Duration.hpp"

namespace slowio::loadgen {

std::error_code TimeseriesReport::write(const RunResult& r, const std::string& path) {
    std::ofstream out(path, std::ios::trunc);
    if (!out) return {errno ? errno : EIO, std::generic_category()};
    const auto& cols = Scraper::columns();
    out << "t_s,phase,rps,p50_us,p99_us,errors";
    if (r.scraped)
        for (const auto& c : cols) out << ",server_" << c.column;
    out << '\n';
    const double iv = to_seconds(r.config.interval);
    const double warmup = to_seconds(r.config.warmup), end = to_seconds(r.config.duration);
    const auto& intervals = r.stats.intervals;
    // At least every interval up to the end, even silent ones: a gap in throughput is a finding.
    const auto rows =
        std::max<std::size_t>(intervals.size(), static_cast<std::size_t>(std::ceil(end / iv - 1e-9)));
    for (std::size_t i = 0; i < rows; ++i) {
        const double t = static_cast<double>(i + 1) * iv;
        const char* phase = t <= warmup + 1e-9 ? "warmup" : t <= end + 1e-9 ? "steady" : "drain";
        const IntervalStats empty;
        const auto& s = i < intervals.size() ? intervals[i] : empty;
        out << fmt::format("{:.3f},{},{:.1f},{:.1f},{:.1f},{}", t, phase,
                           static_cast<double>(s.completed) / iv,
                           static_cast<double>(s.latency.value_at_percentile(50)) / 1e3,
                           static_cast<double>(s.latency.value_at_percentile(99)) / 1e3, s.errors);
        if (r.scraped) {
            const ServerSample* sample = i + 1 < r.server_samples.size() ? &r.server_samples[i + 1] : nullptr;
            for (const auto& c : cols) {
                out << ',';
                if (!sample || !sample->ok) continue;
                auto it = sample->values.find(c.metric);
                if (it != sample->values.end()) out << fmt::format("{:g}", it->second * c.scale);
            }
        }
        out << '\n';
    }
    out.flush();
    if (!out) return {EIO, std::generic_category()};
    return {};
}

}  // namespace slowio::loadgen
