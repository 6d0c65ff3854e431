#include "HumanReport.hpp"

#include <fmt/format.h>

#include "Duration.hpp"
#include "LatencySummary.hpp"

namespace slowio::loadgen {

namespace {
std::string time_us(double us) {
    if (us < 1000) return fmt::format("{:.2f}us", us);
    if (us < 1e6) return fmt::format("{:.2f}ms", us / 1e3);
    return fmt::format("{:.2f}s", us / 1e6);
}

std::string bytes(double b) {
    if (b < 1024) return fmt::format("{:.0f}B", b);
    if (b < 1024 * 1024) return fmt::format("{:.2f}KB", b / 1024);
    if (b < 1024.0 * 1024 * 1024) return fmt::format("{:.2f}MB", b / 1024 / 1024);
    return fmt::format("{:.2f}GB", b / 1024 / 1024 / 1024);
}

void distribution(std::ostream& out, const char* title, const LatencySummary& l) {
    out << "  " << title << "\n";
    const std::pair<const char*, double> rows[] = {{"50.000%", l.p50},   {"90.000%", l.p90},
                                                   {"99.000%", l.p99},   {"99.900%", l.p999},
                                                   {"99.990%", l.p9999}, {"100.000%", l.max}};
    for (const auto& [label, v] : rows) out << fmt::format("  {:>9} {:>10}\n", label, time_us(v));
}
/// --retries and --stages: the resends, and each step's goodput and final outcomes.
void write_client_model(const RunResult& r, std::ostream& out) {
    const auto& c = r.config;
    const auto& s = r.stats;
    const auto& w = s.window;
    if (c.retry.retries > 0)
        out << fmt::format(
            "    Retries: {} ({} after a timeout, {} after a 503), up to {} per request, backoff {}\n",
            w.retries, w.retries_after_timeout, w.retries_after_503, c.retry.retries, c.retry.backoff_spec());
    for (std::size_t i = 0; i < c.stages.size() && i < s.stages.size(); ++i) {
        const auto& st = s.stages[i];
        const double len = to_seconds(c.stages[i].duration);
        out << fmt::format(
            "    Stage {} ({} at {:g}): goodput {:.1f} req/s, {} ok, {} timeout, {} 503, {} retries\n", i + 1,
            format_duration(c.stages[i].duration), c.stages[i].target,
            len > 0 ? static_cast<double>(st.ok_done) / len : 0.0, st.counts.ok, st.counts.timeout,
            st.counts.status_503, st.counts.retries);
    }
}
}  // namespace

void HumanReport::write(const RunResult& r, std::ostream& out) {
    const auto& c = r.config;
    const auto& s = r.stats;
    out << fmt::format("Running {} test @ {}\n", format_duration(c.duration), c.target.to_string());
    if (!c.paths.empty()) {
        out << "  paths:";
        for (const auto& p : c.paths) out << ' ' << p;
        out << '\n';
    }
    out << fmt::format(
        "  {} threads and {} connections, {}, {}, warm-up {} excluded, timeout {}\n", c.threads,
        c.connections,
        c.open_loop() ? fmt::format("open loop at {:g} req/s", c.rate) : std::string("closed loop"),
        c.keepalive ? "keep-alive" : "no keep-alive", format_duration(c.warmup), format_duration(c.timeout));
    const auto lat = LatencySummary::of(s.latency);
    const auto raw = LatencySummary::of(s.latency_uncorrected);
    out << "  Thread Stats   Avg      Stdev     Max   +/- Stdev\n";
    out << fmt::format("    Latency {:>9} {:>9} {:>9} {:>8.2f}%\n", time_us(lat.mean), time_us(lat.stdev),
                       time_us(lat.max), lat.within_stdev_pct);
    if (c.open_loop()) {
        distribution(out, "Latency Distribution (corrected: from intended send time)", lat);
        distribution(out, "Uncorrected Latency (from actual send time)", raw);
    } else {
        distribution(out, "Latency Distribution", lat);
    }
    const auto& w = s.window;
    out << fmt::format("  {} requests in {:.2f}s (steady window, by completion time)\n",
                       s.completed_in_window, r.window_s);
    out << fmt::format("  {} responses in total (warm-up and drain included), {} requests sent, {} read\n",
                       s.total.completed, s.total.sent, bytes(static_cast<double>(s.total.bytes_read)));
    out << "  By intended send time in the window:\n";
    out << fmt::format("    Status: {} ok (2xx-3xx), {} 4xx, {} 5xx, {} 503 (shed), {} other\n", w.ok,
                       w.status_4xx, w.status_5xx, w.status_503, w.status_other);
    out << fmt::format("    Errors: connect {}, read {}, write {}, timeout {}; {} reconnects\n", w.connect,
                       w.read, w.write, w.timeout, w.reconnects);
    write_client_model(r, out);
    if (c.open_loop())
        out << fmt::format("    Open loop: {} sent late (no free connection at their time), {} never sent\n",
                           w.late, w.unsent);
    out << fmt::format("  Per-connection responses: min {}, median {}, max {}\n", r.per_connection.min,
                       r.per_connection.median, r.per_connection.max);
    const auto& ll = r.littles_law;
    out << fmt::format(
        "  Little's law: X {:.1f} req/s x mean {} = {:.2f} in flight; measured {:.2f} (ratio {:.3f})\n",
        ll.throughput_rps, time_us(ll.mean_latency_us), ll.predicted_in_flight, ll.concurrency, ll.ratio);
    if (r.scrape_requested) {
        out << fmt::format("  Server peaks ({} samples, {} failed):", r.server_samples.size(),
                           r.scrape_failures);
        if (r.server_peaks.empty()) out << " none";
        for (const auto& col : Scraper::columns()) {
            auto it = r.server_peaks.find(col.metric);
            if (it != r.server_peaks.end())
                out << fmt::format(" {} {:g}", col.column, it->second * col.scale);
        }
        out << '\n';
    }
    out << fmt::format("Requests/sec: {:>10.2f}\n", r.throughput_rps);
    out << fmt::format("Transfer/sec: {:>10}\n",
                       bytes(r.elapsed_s > 0 ? static_cast<double>(s.total.bytes_read) / r.elapsed_s : 0));
}

}  // namespace slowio::loadgen
