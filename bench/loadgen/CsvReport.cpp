#include "CsvReport.hpp"

#include <fmt/format.h>

#include <cerrno>
#include <filesystem>
#include <fstream>

#include "Duration.hpp"
#include "LatencySummary.hpp"
#include "ReportFile.hpp"

namespace slowio::loadgen {

namespace {
std::string num(double v) {
    return fmt::format("{:.3f}", v);
}
std::string num(std::uint64_t v) {
    return std::to_string(v);
}
}  // namespace

std::string CsvReport::escape(const std::string& field) {
    if (field.find_first_of(",\"\n\r") == std::string::npos) return field;
    std::string out = "\"";
    for (char ch : field) {
        if (ch == '"') out += '"';
        out += ch;
    }
    return out + "\"";
}

std::vector<std::pair<std::string, std::string>> CsvReport::columns(const RunResult& r) {
    const auto& c = r.config;
    const auto& s = r.stats;
    std::vector<std::pair<std::string, std::string>> cols;
    auto add = [&](std::string name, std::string value) {
        cols.emplace_back(std::move(name), std::move(value));
    };
    std::string paths;
    for (const auto& p : c.paths) paths += (paths.empty() ? "" : " ") + p;
    add("url", c.target.to_string());
    add("method", c.method);
    add("paths", paths.empty() ? c.target.path : paths);
    add("mode", c.open_loop() ? "open" : "closed");
    add("threads", num(std::uint64_t{c.threads}));
    add("connections", num(std::uint64_t{c.connections}));
    add("rate_rps", num(c.rate));
    add("keepalive", c.keepalive ? "1" : "0");
    add("duration_s", num(to_seconds(c.duration)));
    add("warmup_s", num(to_seconds(c.warmup)));
    add("timeout_s", num(to_seconds(c.timeout)));
    add("build_type", r.machine.build_type);
    add("cores", num(std::uint64_t{r.machine.cores}));
    add("window_s", num(r.window_s));
    add("throughput_rps", num(r.throughput_rps));
    const auto& w = s.window;
    add("requests_completed", num(w.completed));
    add("requests_ok", num(w.ok));
    add("requests_connect", num(w.connect));
    add("requests_read", num(w.read));
    add("requests_write", num(w.write));
    add("requests_timeout", num(w.timeout));
    add("requests_status_4xx", num(w.status_4xx));
    add("requests_status_5xx", num(w.status_5xx));
    add("requests_status_503", num(w.status_503));
    add("requests_errors", num(w.errors()));
    add("requests_late", num(w.late));
    add("requests_unsent", num(w.unsent));
    add("requests_total_completed", num(s.total.completed));
    add("requests_retries", num(w.retries));
    for (const auto& [prefix, hist] : {std::pair<std::string, const LatencyHistogram*>{"latency", &s.latency},
                                       {"latency_uncorrected", &s.latency_uncorrected}}) {
        const auto l = LatencySummary::of(*hist);
        add(prefix + "_p50_us", num(l.p50));
        add(prefix + "_p90_us", num(l.p90));
        add(prefix + "_p99_us", num(l.p99));
        add(prefix + "_p999_us", num(l.p999));
        add(prefix + "_p9999_us", num(l.p9999));
        add(prefix + "_max_us", num(l.max));
        add(prefix + "_mean_us", num(l.mean));
        add(prefix + "_stdev_us", num(l.stdev));
    }
    add("littles_law_concurrency", num(r.littles_law.concurrency));
    add("littles_law_predicted_in_flight", num(r.littles_law.predicted_in_flight));
    add("littles_law_ratio", num(r.littles_law.ratio));
    add("per_connection_min", num(r.per_connection.min));
    add("per_connection_median", num(r.per_connection.median));
    add("per_connection_max", num(r.per_connection.max));
    for (const auto& col : Scraper::columns()) {
        auto it = r.server_peaks.find(col.metric);
        add("server_peak_" + col.column, it == r.server_peaks.end() ? "" : num(it->second * col.scale));
    }
    return cols;
}

std::error_code CsvReport::append(const RunResult& r, const std::string& path) {
    std::error_code ec;
    const bool need_header = !std::filesystem::exists(path, ec) || std::filesystem::file_size(path, ec) == 0;
    const auto cols = columns(r);
    std::string header, row;
    for (std::size_t i = 0; i < cols.size(); ++i) {
        if (i > 0) {
            header += ',';
            row += ',';
        }
        header += cols[i].first;
        row += escape(cols[i].second);
    }
    return write_report_file(
        path,
        [&](std::ostream& out) {
            if (need_header) out << header << '\n';
            out << row << '\n';
        },
        std::ios::app);
}

}  // namespace slowio::loadgen
