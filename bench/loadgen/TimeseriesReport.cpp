#include "TimeseriesReport.hpp"

#include <fmt/format.h>

#include <cerrno>
#include <cmath>
#include <fstream>

#include "Duration.hpp"
#include "ReportFile.hpp"

namespace slowio::loadgen {

void TimeseriesReport::write(const RunResult& r, std::ostream& out) {
    const auto& cols = Scraper::columns();
    out << "t_s,phase,rps,p50_us,p99_us,errors,goodput_rps,timeouts,status_503,retries";
    if (r.scrape_requested)
        for (const auto& c : cols) out << ",server_" << c.column;
    out << '\n';
    const double iv = to_seconds(r.config.interval);
    const double warmup = to_seconds(r.config.warmup), end = to_seconds(r.config.duration);
    const auto& intervals = r.stats.intervals;
    for (std::size_t i = 0; i < r.interval_rows(); ++i) {
        const double t = static_cast<double>(i + 1) * iv;
        const char* phase = t <= warmup + 1e-9 ? "warmup" : t <= end + 1e-9 ? "steady" : "drain";
        const IntervalStats empty;
        const auto& s = i < intervals.size() ? intervals[i] : empty;
        out << fmt::format("{:.3f},{},{:.1f},{:.1f},{:.1f},{},{:.1f},{},{},{}", t, phase,
                           static_cast<double>(s.completed) / iv,
                           static_cast<double>(s.latency.value_at_percentile(50)) / 1e3,
                           static_cast<double>(s.latency.value_at_percentile(99)) / 1e3, s.errors,
                           static_cast<double>(s.ok) / iv, s.timeouts, s.shed, s.retries);
        if (r.scrape_requested) {
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
}

std::error_code TimeseriesReport::write(const RunResult& r, const std::string& path) {
    return write_report_file(path, [&](std::ostream& out) { write(r, out); });
}

}  // namespace slowio::loadgen
