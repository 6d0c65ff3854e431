#include "server_sync/SyncOptions.hpp"

#include <algorithm>
#include <thread>

namespace slowio::sync {

namespace {
std::size_t cores() {
    return std::max(1u, std::thread::hardware_concurrency());
}
}  // namespace

void add_sync_options(CLI::App& app, SyncOptions& o) {
    o.min_threads = cores();
    app.add_option("--model", o.model,
                   "(server_sync only) pool: one I/O thread, requests run on worker threads | "
                   "thread-per-connection: a worker owns a connection until it closes")
        ->check(CLI::IsMember({"pool", "thread-per-connection"}))
        ->capture_default_str();
    app.add_option(
           "--pool", o.pool,
           "(server_sync only) fixed: --threads workers | elastic: start at --min-threads, add one thread "
           "per 500 ms of starvation up to --max-threads, retire after 20 s idle (.NET thread pool)")
        ->check(CLI::IsMember({"fixed", "elastic"}))
        ->capture_default_str();
    app.add_option("--min-threads", o.min_threads,
                   "(server_sync only) elastic pool: initial and minimum threads")
        ->check(CLI::Range(std::size_t{1}, std::size_t{30000}))
        ->capture_default_str();
    app.add_option("--max-threads", o.max_threads, "(server_sync only) elastic pool: maximum threads")
        ->check(CLI::Range(std::size_t{1}, std::size_t{30000}))
        ->capture_default_str();
    app.add_option(
           "--starvation-signal", o.starvation_signal,
           "(server_sync only) elastic pool: dequeue = inject when nothing was dequeued for 500 ms (.NET's "
           "gate rule; stalls once completions come faster) | queue-age = inject while the oldest queued "
           "item "
           "has waited 500 ms")
        ->check(CLI::IsMember({"dequeue", "queue-age"}))
        ->capture_default_str();
    app.add_option("--queue-limit", o.queue_limit,
                   "(server_sync only) work items waiting for a worker at most; beyond it 503 at once "
                   "(0 = unbounded, as Kestrel)")
        ->check(CLI::Range(std::size_t{0}, std::size_t{100'000'000}))
        ->capture_default_str();
}

std::optional<std::string> validate(const SyncOptions& sync) {
    if (sync.pool == "elastic" && sync.min_threads > sync.max_threads) {
        return "--min-threads (" + std::to_string(sync.min_threads) + ") must not exceed --max-threads (" +
               std::to_string(sync.max_threads) + ")";
    }
    return std::nullopt;
}

WorkerPool::Options make_pool_options(const ServerOptions& common, const SyncOptions& sync,
                                      ThreadPoolMetrics* metrics) {
    WorkerPool::Options p;
    p.mode = sync.pool == "elastic" ? WorkerPool::Mode::elastic : WorkerPool::Mode::fixed;
    p.threads = static_cast<std::size_t>(common.threads);
    p.min_threads = sync.min_threads;
    p.max_threads = sync.max_threads;
    p.queue_limit = sync.queue_limit;
    p.starvation_signal = sync.starvation_signal == "queue-age" ? WorkerPool::StarvationSignal::queue_age
                                                                : WorkerPool::StarvationSignal::last_dequeue;
    p.metrics = metrics;
    return p;
}

}  // namespace slowio::sync
