#include "LoadGenerator.hpp"

#include <fmt/format.h>
#include <unistd.h>

#include <algorithm>
#include <asio/connect.hpp>
#include <asio/io_context.hpp>
#include <asio/steady_timer.hpp>
#include <condition_variable>
#include <cstdio>
#include <mutex>
#include <thread>

#include "Duration.hpp"
#include "RequestFactory.hpp"
#include "Scraper.hpp"
#include "Worker.hpp"

namespace slowio::loadgen {

std::optional<asio::ip::tcp::endpoint> resolve_endpoint(const Url& url, std::string& reason) {
    asio::io_context io;
    asio::ip::tcp::resolver resolver(io);
    std::error_code ec;
    auto results = resolver.resolve(url.host, std::to_string(url.port), ec);
    if (ec || results.empty()) {
        reason = fmt::format("cannot resolve {}: {}", url.host, ec ? ec.message() : "no address");
        return std::nullopt;
    }
    return results.begin()->endpoint();
}

std::optional<RunResult> run_load(const Config& config, std::string& error) {
    auto requests = RequestFactory::create(config, error);
    if (!requests) return std::nullopt;
    LoadGenerator generator(config, std::move(*requests));
    if (!generator.probe(error)) return std::nullopt;
    return generator.run();
}

LoadGenerator::LoadGenerator(Config config, RequestFactory requests)
    : config_(std::move(config)), requests_(std::move(requests)) {}

bool LoadGenerator::probe(std::string& reason) {
    auto ep = resolve_endpoint(config_.target, reason);
    if (!ep) return false;
    endpoint_ = *ep;
    // One connect, bounded by min(timeout, 5 s): "refused" answers at once, a black hole must not hang us.
    asio::io_context io;
    asio::ip::tcp::socket socket(io);
    asio::steady_timer timer(io);
    std::error_code result = asio::error::timed_out;
    bool done = false;
    socket.async_connect(endpoint_, [&](const std::error_code& ec) {
        done = true;
        result = ec;
        timer.cancel();
    });
    timer.expires_after(std::min<Clock::duration>(config_.timeout, std::chrono::seconds(5)));
    timer.async_wait([&](const std::error_code& ec) {
        if (!ec && !done) {
            std::error_code ignored;
            socket.close(ignored);
        }
    });
    io.run();
    if (result) {
        if (result == asio::error::operation_aborted) result = asio::error::timed_out;
        reason = fmt::format("cannot connect to {}: {}", config_.target.authority(), result.message());
        return false;
    }
    if (!config_.scrape_url.empty()) {
        scrape_url_ = parse_url(config_.scrape_url);
        std::string why;
        if (scrape_url_) scrape_endpoint_ = resolve_endpoint(*scrape_url_, why);
        // An unreachable scrape target is not fatal: the samples say "failed" and the load still runs.
    }
    return true;
}

void LoadGenerator::show_progress(const std::vector<std::unique_ptr<Worker>>& workers,
                                  const Timeline& tl) const {
    const bool tty = config_.progress && isatty(STDERR_FILENO) == 1;
    std::uint64_t last = 0;
    auto last_t = Clock::now();
    const double total_s = to_seconds(config_.duration);
    while (true) {
        const auto now = Clock::now();
        if (now >= tl.end) break;
        std::this_thread::sleep_until(std::min(tl.end, now + std::chrono::seconds(1)));
        if (!tty) continue;
        std::uint64_t done = 0, errors = 0;
        for (const auto& w : workers) {
            done += w->progress_completed.load(std::memory_order_relaxed);
            errors += w->progress_errors.load(std::memory_order_relaxed);
        }
        const auto t = Clock::now();
        const double dt = std::chrono::duration<double>(t - last_t).count();
        const double elapsed = std::chrono::duration<double>(t - tl.start).count();
        std::fprintf(stderr, "\r  %6.1fs / %.1fs%s  %10.0f req/s  %llu errors   ", elapsed, total_s,
                     t < tl.warmup_end ? " (warm-up)" : "          ",
                     dt > 0 ? static_cast<double>(done - last) / dt : 0.0,
                     static_cast<unsigned long long>(errors));
        std::fflush(stderr);
        last = done;
        last_t = t;
    }
    if (tty) {
        std::fprintf(stderr, "\r%80s\r", "");
        std::fflush(stderr);
    }
}

LoadGenerator::StartedTimeline LoadGenerator::make_timeline() const {
    // t = 0 on both clocks: steady for every measurement, the wall clock only to name it (hlog StartTime,
    // JSON).
    const auto steady_now = Clock::now();
    const double wall_now =
        std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
    // 20 ms lets every thread get going before t = 0; --start-at (validated to lie ahead) puts t = 0 there.
    const double lead_s = config_.start_at > 0 ? std::max(0.0, config_.start_at - wall_now) : 0.020;
    Timeline tl;
    tl.start =
        steady_now + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(lead_s));
    tl.warmup_end = tl.start + config_.warmup;
    tl.end = tl.start + config_.duration;
    tl.drain_end = tl.end + config_.timeout + std::chrono::seconds(1);
    tl.interval = config_.interval;
    auto from = tl.start;
    for (const auto& stage : config_.stages) {
        const auto to = from + std::chrono::duration_cast<Clock::duration>(stage.duration);
        tl.stages.push_back({from, to, stage.target});
        from = to;
    }
    return {tl, wall_now + lead_s};
}

std::vector<std::unique_ptr<Worker>> LoadGenerator::make_workers(const Timeline& tl) const {
    // wrk's layout: connection g belongs to thread g % t; each thread has its own everything.
    const unsigned threads = std::max(1u, std::min(config_.threads, config_.connections));
    std::vector<std::vector<std::size_t>> owned(threads);
    for (std::size_t g = 0; g < config_.connections; ++g) owned[g % threads].push_back(g);
    std::vector<std::unique_ptr<Worker>> workers;
    for (unsigned i = 0; i < threads; ++i)
        workers.push_back(std::make_unique<Worker>(config_, requests_, endpoint_, tl, std::move(owned[i]),
                                                   0x5eed0000ULL + i));
    return workers;
}

Clock::time_point LoadGenerator::drive(const std::vector<std::unique_ptr<Worker>>& workers,
                                       const Timeline& tl, std::unique_ptr<Scraper>& scraper) {
    // Watchdog: the promise is "never past duration + timeout + 5 s", whatever the server does.
    std::mutex mu;
    std::condition_variable cv;
    bool joined = false;
    std::thread watchdog;
    if (hard_deadline_) {
        watchdog = std::thread([&] {
            std::unique_lock lock(mu);
            if (!cv.wait_until(lock, tl.end + config_.timeout + std::chrono::seconds(5),
                               [&] { return joined; })) {
                std::fprintf(stderr, "loadgen: hard deadline (duration + timeout + 5s) passed; aborting\n");
                std::_Exit(1);
            }
        });
    }
    if (scrape_endpoint_) {
        scraper = std::make_unique<Scraper>(*scrape_url_, *scrape_endpoint_, tl);
        scraper->start();
    }
    std::vector<std::thread> pool;
    for (const auto& w : workers) pool.emplace_back([&w] { w->run(); });
    show_progress(workers, tl);
    for (auto& t : pool) t.join();
    const auto finished = Clock::now();
    if (scraper) scraper->stop();
    {
        std::lock_guard lock(mu);
        joined = true;
    }
    cv.notify_all();
    if (watchdog.joinable()) watchdog.join();
    return finished;
}

RunResult LoadGenerator::summarize(const std::vector<std::unique_ptr<Worker>>& workers,
                                   const StartedTimeline& started, Clock::time_point finished,
                                   const Scraper* scraper) const {
    const Timeline& tl = started.timeline;
    RunResult r;
    r.config = config_;
    r.machine = MachineInfo::collect();
    r.stats = ThreadStats(tl, 0);
    for (const auto& w : workers) r.stats.merge(w->stats());
    r.start_epoch_s = started.start_epoch_s;
    if (r.stats.start_late) r.start_late_s = std::chrono::duration<double>(*r.stats.start_late).count();
    r.window_s = to_seconds(config_.window());
    r.elapsed_s = std::chrono::duration<double>(finished - tl.start).count();
    const auto& s = r.stats;
    r.throughput_rps = r.window_s > 0 ? static_cast<double>(s.ok_in_window) / r.window_s : 0;

    auto& ll = r.littles_law;
    ll.throughput_rps = r.window_s > 0 ? static_cast<double>(s.completed_in_window) / r.window_s : 0;
    ll.mean_latency_us = s.latency_uncorrected.mean() / 1e3;
    ll.predicted_in_flight = ll.throughput_rps * ll.mean_latency_us / 1e6;
    ll.concurrency = r.window_s > 0 ? s.busy_ns / (r.window_s * 1e9) : 0;
    ll.ratio = ll.concurrency > 0 ? ll.predicted_in_flight / ll.concurrency : 0;

    if (!s.per_connection.empty()) {
        auto counts = s.per_connection;
        std::sort(counts.begin(), counts.end());
        r.per_connection = {counts.front(), counts[counts.size() / 2], counts.back()};
    }
    r.scrape_requested = !config_.scrape_url.empty();  // an unresolvable target shows as zero samples
    if (scraper) {
        r.server_samples = scraper->samples();
        r.scrape_failures = scraper->failures();
        r.server_peaks = scraper->peaks(tl.interval_index(tl.warmup_end), tl.interval_index(tl.end));
        if (r.server_peaks.empty()) r.server_peaks = scraper->peaks(0, r.server_samples.size());
    }
    return r;
}

RunResult LoadGenerator::run() {
    // The timeline first, so that every worker and the scraper share one t = 0.
    const StartedTimeline started = make_timeline();
    const auto workers = make_workers(started.timeline);
    std::unique_ptr<Scraper> scraper;
    const auto finished = drive(workers, started.timeline, scraper);
    return summarize(workers, started, finished, scraper.get());
}

}  // namespace slowio::loadgen
