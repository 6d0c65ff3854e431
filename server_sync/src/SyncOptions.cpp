#include "server_sync/SyncOptions.hpp"

namespace slowio::sync {

void add_sync_options(CLI::App& app, SyncOptions& o) {
    o.min_threads = usable_cores();  // .NET's default minimum: Environment.ProcessorCount (affinity-aware)
    app.add_option("--model", o.model,
                   "(server_sync only) pool: one I/O thread, requests run on worker threads | "
                   "thread-per-connection: a worker owns a connection until it closes")
        ->check(CLI::IsMember({"pool", "thread-per-connection"}))
        ->capture_default_str();
    app.add_option(
           "--pool", o.pool,
           "(server_sync only) fixed: --threads workers | elastic: .NET's thread pool (start at "
           "--min-threads; "
           "the 500 ms starvation gate and the blocking adjustment add threads up to --max-threads; 20 s "
           "idle retires)")
        ->check(CLI::IsMember({"fixed", "elastic"}))
        ->capture_default_str();
    app.add_option("--min-threads", o.min_threads,
                   "(server_sync only) elastic pool: initial and minimum threads")
        ->check(CLI::Range(std::size_t{1}, std::size_t{30000}))
        ->capture_default_str();
    app.add_option("--max-threads", o.max_threads, "(server_sync only) elastic pool: maximum threads")
        ->check(CLI::Range(std::size_t{1}, std::size_t{30000}))
        ->capture_default_str();
    app.add_flag(
        "--no-blocking-adjustment", [&o](std::int64_t) { o.blocking_adjustment = false; },
        "(server_sync only) elastic pool: no thread injection for threads blocked in sync-over-async, "
        "only the 500 ms starvation gate (.NET's ThreadPool_CooperativeBlocking=0)");
    app.add_flag(
        "--no-hill-climbing", [&o](std::int64_t) { o.hill_climbing = false; },
        "(server_sync only) elastic pool: no hill climbing, only the starvation gate and the blocking "
        "adjustment (.NET's DOTNET_HillClimbing_Disable=1)");
    app.add_option("--antipattern", o.antipattern,
                   "(server_sync only) none: the store call blocks the worker | sync-over-async: the worker "
                   "starts the async store call, whose completion is queued to this same pool, and blocks "
                   "on it (C#'s .Result): a fixed pool deadlocks once every worker waits | offload: POST "
                   "/work runs on the --offload-threads pool while the worker blocks on its result (C#'s "
                   "Task.Run(...).Wait()): two threads per CPU request")
        ->check(CLI::IsMember({"none", "sync-over-async", "offload"}))
        ->capture_default_str();
    app.add_flag("--deadlock-exit", o.deadlock_exit,
                 "(server_sync only) exit with code 4 once every worker is blocked on a completion no worker "
                 "can run (sweeps record 'deadlock')");
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
    if (sync.sync_over_async() && sync.thread_per_connection()) {
        return "--antipattern sync-over-async needs --model pool (its completion is queued to the worker "
               "pool)";
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
    p.queue.drop_abandoned = common.drop_abandoned;
    p.blocking_adjustment = sync.blocking_adjustment;
    p.hill_climbing = sync.hill_climbing;
    p.metrics = metrics;
    return p;
}

}  // namespace slowio::sync
