#pragma once
#include <asio/ip/tcp.hpp>
#include <memory>
#include <optional>
#include <string>
#include <system_error>
#include <vector>

#include "Config.hpp"
#include "RequestFactory.hpp"
#include "RunResult.hpp"

namespace slowio::loadgen {

class Scraper;
class Worker;

/// Runs one load test: resolves and probes the target, starts the workers (and the scraper), shows progress,
/// joins, merges and derives the reported figures.
class LoadGenerator {
  public:
    /// `config` must already be validated and `requests` built from it (CommandLine does both).
    LoadGenerator(Config config, RequestFactory requests);

    /// Resolves the target and makes one connection to it. On failure returns false with a one-line reason:
    /// the caller exits 3 ("target unreachable") instead of reporting a run full of connect errors.
    bool probe(std::string& reason);

    /// Runs the load (blocking) and returns the merged result. Call probe() first.
    RunResult run();

    /// Enables the watchdog that aborts the process if a run overruns end + timeout + 5 s (the binary sets
    /// it; tests do not, so a bug fails a test rather than killing the test runner).
    void set_hard_deadline(bool on) { hard_deadline_ = on; }

  private:
    /// The run's timeline and its t = 0 on the wall clock (seconds since the epoch).
    struct StartedTimeline {
        Timeline timeline;
        double start_epoch_s = 0;
    };
    StartedTimeline make_timeline() const;
    std::vector<std::unique_ptr<Worker>> make_workers(const Timeline& tl) const;
    /// Runs the workers (and the scraper, if any) to the end of the drain; returns when the last one exited.
    Clock::time_point drive(const std::vector<std::unique_ptr<Worker>>& workers, const Timeline& tl,
                            std::unique_ptr<Scraper>& scraper);
    RunResult summarize(const std::vector<std::unique_ptr<Worker>>& workers, const StartedTimeline& started,
                        Clock::time_point finished, const Scraper* scraper) const;
    void show_progress(const std::vector<std::unique_ptr<Worker>>& workers, const Timeline& tl) const;

    Config config_;
    RequestFactory requests_;
    asio::ip::tcp::endpoint endpoint_;
    std::optional<asio::ip::tcp::endpoint> scrape_endpoint_;
    std::optional<Url> scrape_url_;
    bool hard_deadline_ = false;
};

/// A whole run for a caller holding a Config (tests, tools): builds its requests, probes the target, runs.
/// Nullopt with a one-line `error` when a path template is bad or the target unreachable.
std::optional<RunResult> run_load(const Config& config, std::string& error);

/// Resolves `host:port` to its first address, with a one-line reason on failure.
std::optional<asio::ip::tcp::endpoint> resolve_endpoint(const Url& url, std::string& reason);

}  // namespace slowio::loadgen
