#include "CommandLine.hpp"

#include <fmt/format.h>

#include <CLI/CLI.hpp>
#include <algorithm>

#include "Duration.hpp"
#include "RequestFactory.hpp"

namespace slowio::loadgen {

namespace {
ParsedCommandLine bad(std::string reason) {
    std::replace(reason.begin(), reason.end(), '\n', ' ');
    return {std::nullopt, std::nullopt, 2, "loadgen: " + reason};
}

/// The flags CLI11 fills in as text or switches, before they become a Config's typed fields.
struct RawFlags {
    std::string url, duration = "10s", warmup = "5s", timeout = "30s", interval = "250ms";
    bool no_keepalive = false, no_progress = false;
};

/// Declares every flag (names, help, defaults): the one place --help is written.
void add_flags(CLI::App& app, Config& cfg, RawFlags& raw) {
    app.add_option("url", raw.url, "target, e.g. http://127.0.0.1:8080/users/1")->required();
    app.add_option("-c,--connections", cfg.connections, "connections in total (spread over threads)")
        ->capture_default_str();
    app.add_option("-t,--threads", cfg.threads, "threads, each with its own event loop and connections")
        ->capture_default_str();
    app.add_option("-d,--duration", raw.duration, "whole run, warm-up included (10s, 500ms, 2m)")
        ->capture_default_str();
    app.add_option("-R,--rate", cfg.rate, "open loop: total requests/s on a fixed schedule (0 = closed loop)")
        ->capture_default_str();
    app.add_option("--warmup", raw.warmup, "initial period excluded from every figure")
        ->capture_default_str();
    app.add_option("--timeout", raw.timeout,
                   "per request; a timed-out request is counted and its connection reopened")
        ->capture_default_str();
    app.add_flag("--no-keepalive", raw.no_keepalive, "new connection per request (sends Connection: close)");
    app.add_option("--path", cfg.paths, "path template(s), e.g. /users/{rand:1..10000}; repeat for a list");
    app.add_option("--method", cfg.method, "request method")->capture_default_str();
    app.add_option("--body", cfg.body, "request body (sent with Content-Length)");
    app.add_option("-H,--header", cfg.headers, "extra header line \"Name: value\"; repeatable");
    app.add_option("--connect-rate", cfg.connect_rate, "new connections/s at start (0 = all at once)")
        ->capture_default_str();
    app.add_option("--scrape", cfg.scrape_url, "server /metrics URL to sample (Prometheus text)");
    app.add_option("--scrape-interval", raw.interval, "sampling and time-series interval")
        ->capture_default_str();
    app.add_option("--json", cfg.json_file, "write the full summary as JSON");
    app.add_option("--csv", cfg.csv_file, "append one summary row (header written if the file is new)");
    app.add_option("--timeseries", cfg.timeseries_file,
                   "write the per-interval client + server series as CSV");
    app.add_option("--hdr", cfg.hdr_file, "write the HdrHistogram percentile distribution (ms)");
    app.add_option("--hlog", cfg.hlog_file,
                   "write an HdrHistogram interval log (one corrected + one uncorrected histogram per "
                   "--scrape-interval)");
    app.add_option("--start-at", cfg.start_at,
                   "start the run (t = 0) at this time, seconds since the epoch, so several load hosts share "
                   "one timeline (at most 1 h ahead)");
    app.add_flag("--no-progress", raw.no_progress, "no live progress line even on a terminal");
}

/// Turns the raw flags into `cfg`'s typed fields and checks every rule; the one-line reason of the first
/// broken one, or nullopt.
std::optional<std::string> validate(Config& cfg, const RawFlags& raw) {
    const auto reject = [](std::string reason) { return std::optional<std::string>(std::move(reason)); };
    auto target = parse_url(raw.url);
    if (!target) return reject(fmt::format("bad URL '{}' (expected http://HOST[:PORT][/PATH])", raw.url));
    cfg.target = *target;
    if (cfg.connections < 1) return reject("-c/--connections must be at least 1");
    if (cfg.threads < 1) return reject("-t/--threads must be at least 1");
    if (cfg.threads > cfg.connections)
        return reject(fmt::format("-t {} exceeds -c {}: every thread needs at least one connection",
                                  cfg.threads, cfg.connections));
    if (cfg.rate < 0) return reject("-R/--rate must not be negative");
    if (cfg.connect_rate < 0) return reject("--connect-rate must not be negative");

    const std::pair<const char*, const std::string*> durations[] = {{"-d/--duration", &raw.duration},
                                                                    {"--warmup", &raw.warmup},
                                                                    {"--timeout", &raw.timeout},
                                                                    {"--scrape-interval", &raw.interval}};
    std::chrono::nanoseconds values[4];
    for (std::size_t i = 0; i < 4; ++i) {
        auto d = parse_duration(*durations[i].second);
        if (!d)
            return reject(fmt::format("{}: bad duration '{}' (e.g. 10s, 500ms, 2m)", durations[i].first,
                                      *durations[i].second));
        values[i] = *d;
    }
    cfg.duration = values[0];
    cfg.warmup = values[1];
    cfg.timeout = values[2];
    cfg.interval = values[3];
    if (cfg.duration <= std::chrono::nanoseconds::zero()) return reject("-d/--duration must be positive");
    if (cfg.warmup >= cfg.duration)
        return reject(
            fmt::format("--warmup {} must be shorter than -d {} (-d includes the warm-up; the steady window "
                        "would be empty)",
                        format_duration(cfg.warmup), format_duration(cfg.duration)));
    if (cfg.timeout < std::chrono::milliseconds(1)) return reject("--timeout must be at least 1ms");
    if (cfg.interval < std::chrono::milliseconds(10))
        return reject("--scrape-interval must be at least 10ms");
    if (cfg.start_at != 0) {
        const double now =
            std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
        if (!(cfg.start_at > now))
            return reject(fmt::format("--start-at {:.3f} is {:.3f} s in the past (the clock says {:.3f})",
                                      cfg.start_at, now - cfg.start_at, now));
        if (cfg.start_at > now + 3600)
            return reject(fmt::format("--start-at {:.3f} is more than 1 h ahead ({:.0f} s)", cfg.start_at,
                                      cfg.start_at - now));
    }
    cfg.keepalive = !raw.no_keepalive;
    cfg.progress = !raw.no_progress;

    if (cfg.method.empty() ||
        !std::all_of(cfg.method.begin(), cfg.method.end(), [](char ch) { return ch >= 'A' && ch <= 'Z'; }))
        return reject(fmt::format("--method '{}' is not an HTTP method token (e.g. GET, POST)", cfg.method));
    for (const auto& h : cfg.headers)
        if (h.find(':') == std::string::npos || h.find_first_of("\r\n") != std::string::npos)
            return reject(fmt::format("-H '{}' is not a \"Name: value\" header", h));
    if (!cfg.scrape_url.empty() && !parse_url(cfg.scrape_url))
        return reject(
            fmt::format("--scrape: bad URL '{}' (expected http://HOST[:PORT]/metrics)", cfg.scrape_url));
    return std::nullopt;
}
}  // namespace

ParsedCommandLine CommandLine::parse(int argc, const char* const* argv) {
    CLI::App app{
        "loadgen: an honest HTTP load generator (closed loop, or open loop with coordinated-omission "
        "correction)",
        "loadgen"};
    Config cfg;
    RawFlags raw;
    add_flags(app, cfg, raw);
    try {
        app.parse(argc, argv);
    } catch (const CLI::CallForHelp&) {
        return {std::nullopt, std::nullopt, 0, app.help()};
    } catch (const CLI::ParseError& e) {
        return bad(std::string(e.what()) + " (see --help)");
    }
    if (auto reason = validate(cfg, raw)) return bad(std::move(*reason));
    std::string error;
    auto requests = RequestFactory::create(cfg, error);
    if (!requests) return bad("--path: " + error);
    return {std::move(cfg), std::move(requests), 0, {}};
}

}  // namespace slowio::loadgen
