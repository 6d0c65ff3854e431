#include "HlogReport.hpp"

#include <fmt/format.h>

#include <cerrno>
#include <cmath>
#include <ctime>
#include <fstream>

#include "Duration.hpp"
#include "HistogramCodec.hpp"
#include "ReportFile.hpp"

namespace slowio::loadgen {

void HlogReport::write(const RunResult& r, std::ostream& out) {
    const double start = r.start_epoch_s;
    const auto whole = static_cast<std::time_t>(std::floor(start));
    std::tm utc{};
    gmtime_r(&whole, &utc);
    char date[64];
    std::strftime(date, sizeof date, "%a %b %d %H:%M:%S UTC %Y", &utc);
    out << "#[Histogram log format version 1.3]\n";
    out << "#[loadgen interval log: values in nanoseconds, Interval_Max in milliseconds; Tag=corrected from "
           "the "
           "intended send time, Tag=uncorrected from the actual send]\n";
    out << fmt::format("#[StartTime: {:.3f} (seconds since epoch), {}]\n", start, date);
    out << fmt::format("#[BaseTime: {:.3f} (seconds since epoch)]\n", start);
    out << "\"StartTimestamp\",\"Interval_Length\",\"Interval_Max\",\"Interval_Compressed_Histogram\"\n";
    const double iv = to_seconds(r.config.interval);
    const auto& intervals = r.stats.intervals;
    const IntervalStats empty;
    for (std::size_t i = 0; i < r.interval_rows(); ++i) {
        const auto& s = i < intervals.size() ? intervals[i] : empty;
        const double t = static_cast<double>(i) * iv;
        for (const auto& [tag, h] :
             {std::pair{"corrected", &s.latency}, {"uncorrected", &s.latency_uncorrected}})
            out << fmt::format("Tag={},{:.3f},{:.3f},{:.3f},{}\n", tag, t, iv,
                               static_cast<double>(h->max()) / 1e6,
                               HistogramCodec::encode_compressed_base64(*h));
    }
}

std::error_code HlogReport::write(const RunResult& r, const std::string& path) {
    return write_report_file(path, [&](std::ostream& out) { write(r, out); });
}

}  // namespace slowio::loadgen
