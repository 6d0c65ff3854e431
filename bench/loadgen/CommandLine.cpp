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
    std::string retry_backoff = "none", stages;
    bool no_keepalive = false, no_progress = false;
    bool duration_given = false,
         connections_given = false;  ///< -d / -c on the command line (--stages sets them)
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
    app.add_option(
           "--retries", cfg.retry.retries,
           "resend a request that timed out or got a 503, up to N times (it counts once, by its final "
           "outcome, its latency from its first intended send)")
        ->capture_default_str();
    app.add_option("--retry-backoff", raw.retry_backoff, std::string(RetryPolicy::help))
        ->capture_default_str();
    app.add_option(
        "--stages", raw.stages,
        "the load over time, DURATION:TARGET,...: connections (closed loop) or requests/s (with -R), "
        "each held for its duration, e.g. 10s:5,20s:1000,30s:5; sets -d (and -c)");
}

std::optional<std::string> reject(std::string reason) {
    return reason;
}

/// -d, --warmup, --timeout, --scrape-interval into `cfg` (with --stages, -d is their sum).
std::optional<std::string> validate_durations(Config& cfg, const RawFlags& raw) {
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
    cfg.duration = cfg.stages.empty() ? values[0] : total_duration(cfg.stages);
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
    return std::nullopt;
}

/// The client model: --stages (which set -d and -c / the peak -R), --retries and --retry-backoff.
std::optional<std::string> validate_clients(Config& cfg, const RawFlags& raw) {
    std::string error;
    if (!cfg.retry.parse_backoff(raw.retry_backoff, error)) return reject(error);
    if (raw.stages.empty()) return std::nullopt;
    if (raw.duration_given) return reject("--stages sets the duration (their sum): drop -d");
    if (cfg.rate < 0) return reject("-R/--rate must not be negative");
    const bool open_loop = cfg.rate > 0;  // -R selects the open loop; the stages give its rates
    auto stages = parse_stages(raw.stages, open_loop, error);
    if (!stages) return reject(error);
    cfg.stages = std::move(*stages);
    if (open_loop) {
        cfg.rate = peak_target(cfg.stages);
    } else {
        if (raw.connections_given) return reject("--stages sets the connections of a closed loop: drop -c");
        cfg.connections = static_cast<unsigned>(peak_target(cfg.stages));
    }
    return std::nullopt;
}

/// What each request carries and where the server's metrics are: --method, -H, --scrape, --start-at.
std::optional<std::string> validate_requests(const Config& cfg) {
    if (cfg.method.empty() ||
        !std::all_of(cfg.method.begin(), cfg.method.end(), [](char ch) { return ch >= 'A' && ch <= 'Z'; }))
        return reject(fmt::format("--method '{}' is not an HTTP method token (e.g. GET, POST)", cfg.method));
    for (const auto& h : cfg.headers)
        if (h.find(':') == std::string::npos || h.find_first_of("\r\n") != std::string::npos)
            return reject(fmt::format("-H '{}' is not a \"Name: value\" header", h));
    if (!cfg.scrape_url.empty() && !parse_url(cfg.scrape_url))
        return reject(
            fmt::format("--scrape: bad URL '{}' (expected http://HOST[:PORT]/metrics)", cfg.scrape_url));
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
    return std::nullopt;
}

/// Turns the raw flags into `cfg`'s typed fields and checks every rule; the one-line reason of the first
/// broken one, or nullopt.
std::optional<std::string> validate(Config& cfg, const RawFlags& raw) {
    auto target = parse_url(raw.url);
    if (!target) return reject(fmt::format("bad URL '{}' (expected http://HOST[:PORT][/PATH])", raw.url));
    cfg.target = *target;
    if (auto reason = validate_clients(cfg, raw)) return reason;
    if (cfg.connections < 1) return reject("-c/--connections must be at least 1");
    if (cfg.threads < 1) return reject("-t/--threads must be at least 1");
    if (cfg.threads > cfg.connections)
        return reject(fmt::format("-t {} exceeds -c {}: every thread needs at least one connection",
                                  cfg.threads, cfg.connections));
    if (cfg.rate < 0) return reject("-R/--rate must not be negative");
    if (cfg.connect_rate < 0) return reject("--connect-rate must not be negative");
    if (auto reason = validate_durations(cfg, raw)) return reason;
    cfg.keepalive = !raw.no_keepalive;
    cfg.progress = !raw.no_progress;
    return validate_requests(cfg);
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
    raw.duration_given = app.count("--duration") > 0;
    raw.connections_given = app.count("--connections") > 0;
    if (auto reason = validate(cfg, raw)) return bad(std::move(*reason));
    std::string error;
    auto requests = RequestFactory::create(cfg, error);
    if (!requests) return bad("--path: " + error);
    return {std::move(cfg), std::move(requests), 0, {}};
}

}  // namespace slowio::loadgen
