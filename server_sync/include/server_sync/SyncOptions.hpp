#pragma once
/// \file server_sync's own command-line flags (the common ones live in core's ServerOptions).

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/ServerOptions.hpp"
#include "server_sync/WorkerPool.hpp"

namespace CLI {
class App;
}  // namespace CLI

namespace slowio {
struct ThreadPoolMetrics;
}  // namespace slowio

namespace slowio::sync {

/// How connections meet threads (--model).
enum class Model {
    pool,                   ///< Kestrel's shape: one I/O thread, each parsed request a WorkerPool item
    thread_per_connection,  ///< the classic blocking server: a worker owns a connection until it closes
};

/// The mistake server_sync demonstrates on purpose (--antipattern); `none` blocks the worker for the store
/// call, which is this server's honest way. server_async's Antipattern has the same names.
enum class Antipattern {
    none,
    /// C#'s .Result on a pool thread: the async call's timer runs on the I/O thread, its completion is queued
    /// to the worker pool — like a Task continuation on .NET's pool, ASP.NET Core having no
    /// SynchronizationContext — and the worker blocks until a worker has run it.
    sync_over_async,
    /// C#'s Task.Run(...).Wait() in a synchronous action: POST /work is posted to a separate offload pool
    /// while the worker blocks on its result, so each CPU request holds two threads.
    offload,
};

/// "pool" / "thread-per-connection".
std::string_view to_string(Model model);
/// "fixed" / "elastic".
std::string_view to_string(WorkerPool::Mode pool);
/// "none" / "sync-over-async" / "offload".
std::string_view to_string(Antipattern antipattern);

/// --start-up-items: the empty work items .NET completes on its thread pool before Kestrel listens (nearly all of
/// them its warm-up's, four connections through a cold Kestrel) less those our --warm-up makes, in groups at
/// their times before the warm-up ("N", or "N@MS,N@MS,...": N items MS ms before it). When they come matters,
/// not only how many: hill climbing's first samples close on completions, so items spread over start-up, as the
/// runtime's are, split into more samples than a burst does.
struct StartUpItems {
    /// `count` items completed `ms_before` ms before the warm-up starts.
    struct Group {
        int count = 0;
        int ms_before = 0;
    };
    std::vector<Group> groups;  ///< earliest first

    /// Every group's items.
    int total() const;
};

/// Parses --start-up-items' value; nullopt when it is not "N" or "N@MS,..." (N in 0..100,000, MS in
/// 0..10,000).
std::optional<StartUpItems> parse_start_up_items(std::string_view text);

/// Flags only server_sync has; their --help text says "(server_sync only)".
struct SyncOptions {
    Model model = Model::pool;                        ///< --model
    WorkerPool::Mode pool = WorkerPool::Mode::fixed;  ///< fixed: --threads | elastic: .NET's injection rules
    std::size_t min_threads = 0;                      ///< elastic floor; 0 until parsed means "usable cores"
    std::size_t max_threads = 1000;
    std::size_t queue_limit = 0;                    ///< 0 = unbounded
    QueueDiscipline queue = QueueDiscipline::fifo;  ///< --queue
    int queue_lifo_after_ms = -1;                   ///< adaptive-lifo's switch; -1: the store latency L
    int codel_target_ms = -1;         ///< -1: L / 20 (the article's 5 ms at L = 100 ms), at least 1
    int codel_interval_ms = -1;       ///< -1: L (the article's 100 ms at L = 100 ms: one service time)
    bool blocking_adjustment = true;  ///< elastic: .NET's cooperative-blocking compensation
    bool hill_climbing = true;        ///< elastic: .NET's hill climbing
    Antipattern antipattern = Antipattern::none;  ///< --antipattern
    bool io_on_pool = false;  ///< --io-on-pool: responses' sends run on the pool through IOQueues (Kestrel)
    int io_queues = 0;        ///< --io-queues: their count; 0: Kestrel's min(usable cores, 16)
    bool socket_engine = false;  ///< --socket-engine: socket events reach the pool as .NET's engine items
    int accept_work_us = 0;      ///< --accept-work-us: the accept loop's time per accepted connection
    bool warm_up = false;        ///< --warm-up: the ASP.NET Core target's start-up requests before announcing
    StartUpItems start_up_items;  ///< --start-up-items: empty pool items before those (.NET's host start-up)
    bool deadlock_exit = false;   ///< exit with exit_code::deadlock once the pool is deadlocked
};

/// The default worker count of server_sync (--threads), set before add_common_options.
inline constexpr int default_sync_threads = 10;

/// Adds --model, --pool, --min-threads, --max-threads, --no-blocking-adjustment,
/// --no-hill-climbing, --io-on-pool, --io-queues, --warm-up, --start-up-items, --queue-limit, --queue,
/// --queue-lifo-after-ms, --codel-target-ms, --codel-interval-ms, --antipattern and --deadlock-exit to `app`,
/// bound to `options`.
void add_sync_options(CLI::App& app, SyncOptions& options);

/// Cross-flag checks of server_sync's own flags that CLI11 cannot express (--min-threads ≤ --max-threads;
/// sync-over-async needs the pool model; the common flags are core's validate()). Returns the one-line
/// reason, or nullopt when they are fine.
std::optional<std::string> validate(const SyncOptions& sync);

/// The WorkerPool configuration these flags describe.
WorkerPool::Options make_pool_options(const ServerOptions& common, const SyncOptions& sync,
                                      ThreadPoolMetrics* metrics);

}  // namespace slowio::sync
