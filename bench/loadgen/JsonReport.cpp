#include "JsonReport.hpp"

#include <cerrno>
#include <fstream>

#include "Duration.hpp"
#include "LatencySummary.hpp"
#include "ReportFile.hpp"

namespace slowio::loadgen {

namespace {
nlohmann::json counts_json(const RequestCounts& c) {
    return {{"completed", c.completed},
            {"ok", c.ok},
            {"connect", c.connect},
            {"read", c.read},
            {"write", c.write},
            {"timeout", c.timeout},
            {"status_4xx", c.status_4xx},
            {"status_5xx", c.status_5xx},
            {"status_503", c.status_503},
            {"status_other", c.status_other},
            {"errors", c.errors()},
            {"late", c.late},
            {"unsent", c.unsent},
            {"reconnects", c.reconnects},
            {"sent", c.sent},
            {"retries", c.retries},
            {"retries_after_timeout", c.retries_after_timeout},
            {"retries_after_503", c.retries_after_503}};
}

/// --stages: one object per step, its requests by first intended send and its goodput by completion.
nlohmann::json stages_json(const RunResult& r) {
    nlohmann::json out = nlohmann::json::array();
    const auto& stages = r.config.stages;
    double start_s = 0;
    for (std::size_t i = 0; i < stages.size() && i < r.stats.stages.size(); ++i) {
        const auto& st = r.stats.stages[i];
        const double length_s = to_seconds(stages[i].duration);
        const auto l = LatencySummary::of(st.latency);
        nlohmann::json j = {{"start_s", start_s},
                            {"end_s", start_s + length_s},
                            {"target", stages[i].target},
                            {"goodput_rps", length_s > 0 ? static_cast<double>(st.ok_done) / length_s : 0},
                            {"requests", counts_json(st.counts)},
                            {"latency_us", {{"p50", l.p50}, {"p99", l.p99}, {"max", l.max}}}};
        out.push_back(std::move(j));
        start_s += length_s;
    }
    return out;
}

nlohmann::json latency_json(const LatencyHistogram& h) {
    const auto s = LatencySummary::of(h);
    return {{"count", s.count}, {"min", s.min},     {"p50", s.p50}, {"p90", s.p90},   {"p99", s.p99},
            {"p999", s.p999},   {"p9999", s.p9999}, {"max", s.max}, {"mean", s.mean}, {"stdev", s.stdev}};
}
/// The flags the run was made with (`config`).
nlohmann::json config_json(const Config& c) {
    std::vector<std::string> paths = c.paths;
    if (paths.empty()) paths.push_back(c.target.path);
    nlohmann::json j = {{"url", c.target.to_string()},
                        {"method", c.method},
                        {"paths", paths},
                        {"body_bytes", c.body.size()},
                        {"headers", c.headers},
                        {"threads", c.threads},
                        {"connections", c.connections},
                        {"mode", c.open_loop() ? "open" : "closed"},
                        {"rate_rps", c.rate},
                        {"duration_s", to_seconds(c.duration)},
                        {"warmup_s", to_seconds(c.warmup)},
                        {"timeout_s", to_seconds(c.timeout)},
                        {"keepalive", c.keepalive},
                        {"connect_rate", c.connect_rate},
                        {"scrape_url", c.scrape_url},
                        {"interval_s", to_seconds(c.interval)},
                        {"start_at", c.start_at},
                        {"retries", c.retry.retries},
                        {"retry_backoff", c.retry.backoff_spec()}};
    if (!c.stages.empty()) {
        j["stages"] = nlohmann::json::array();
        for (const auto& st : c.stages)
            j["stages"].push_back({{"duration_s", to_seconds(st.duration)}, {"target", st.target}});
    }
    return j;
}
}  // namespace

nlohmann::json JsonReport::build(const RunResult& r) {
    const auto& c = r.config;
    const auto& s = r.stats;
    nlohmann::json j;
    j["config"] = config_json(c);
    j["machine"] = {{"cores", r.machine.cores},
                    {"kernel", r.machine.kernel},
                    {"build_type", r.machine.build_type},
                    {"hostname", r.machine.hostname}};
    j["start_epoch_s"] = r.start_epoch_s;
    j["start_late_s"] = r.start_late_s;
    j["window_s"] = r.window_s;
    j["elapsed_s"] = r.elapsed_s;
    j["throughput_rps"] = r.throughput_rps;
    j["requests"] = counts_json(s.window);
    j["requests"]["completed_in_window"] = s.completed_in_window;
    j["requests"]["ok_in_window"] = s.ok_in_window;
    j["requests"]["total"] = counts_json(s.total);
    j["requests"]["total"]["bytes_read"] = s.total.bytes_read;
    if (!c.stages.empty()) j["stages"] = stages_json(r);
    j["latency_us"] = latency_json(s.latency);
    j["latency_us"]["saturated"] = s.latency.saturated();
    j["latency_uncorrected_us"] = latency_json(s.latency_uncorrected);
    const auto& ll = r.littles_law;
    j["littles_law"] = {{"throughput_rps", ll.throughput_rps},
                        {"mean_latency_us", ll.mean_latency_us},
                        {"predicted_in_flight", ll.predicted_in_flight},
                        {"concurrency", ll.concurrency},
                        {"connections", c.connections},
                        {"ratio", ll.ratio}};
    j["per_connection"] = {{"min", r.per_connection.min},
                           {"median", r.per_connection.median},
                           {"max", r.per_connection.max},
                           {"connections", s.per_connection.size()}};
    nlohmann::json server = {{"scraped", r.scrape_requested}};
    if (r.scrape_requested) {
        server["url"] = c.scrape_url;
        server["samples"] = r.server_samples.size();
        server["failures"] = r.scrape_failures;
        server["peaks"] = nlohmann::json::object();
        // Under the same names and units as the CSV and time-series columns: one name per server metric.
        for (const auto& column : Scraper::columns()) {
            const auto it = r.server_peaks.find(column.metric);
            if (it != r.server_peaks.end()) server["peaks"][column.column] = it->second * column.scale;
        }
    }
    j["server"] = server;
    return j;
}

std::error_code JsonReport::write(const RunResult& r, const std::string& path) {
    return write_report_file(path, [&](std::ostream& out) { out << build(r).dump(2) << '\n'; });
}

}  // namespace slowio::loadgen
