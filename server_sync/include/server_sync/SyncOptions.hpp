#pragma once
/// \file server_sync's own command-line flags (the common ones live in core's ServerOptions).

#include <CLI/CLI.hpp>
#include <cstddef>
#include <optional>
#include <string>

#include "core/ServerOptions.hpp"
#include "server_sync/WorkerPool.hpp"

namespace slowio {
struct ThreadPoolMetrics;
}  // namespace slowio

namespace slowio::sync {

/// Flags only server_sync has; their --help text says "(server_sync only)".
struct SyncOptions {
    /// "pool" (Kestrel shape) | "thread-per-connection" (classic blocking server)
    std::string model = "pool";
    std::string pool = "fixed";   ///< "fixed" (--threads) | "elastic" (.NET starvation heuristic)
    std::size_t min_threads = 0;  ///< elastic floor; 0 until parsed means "usable cores"
    std::size_t max_threads = 1000;
    std::size_t queue_limit = 0;      ///< 0 = unbounded
    bool blocking_adjustment = true;  ///< elastic: .NET's cooperative-blocking compensation
    bool hill_climbing = true;        ///< elastic: .NET's hill climbing
    /// "none" | "sync-over-async": block on the async store call's completion, which runs on this pool |
    /// "offload": POST /work runs on a separate pool while the worker blocks on its result
    std::string antipattern = "none";
    bool deadlock_exit = false;  ///< exit with exit_code::deadlock once the pool is deadlocked

    /// True for --antipattern sync-over-async.
    bool sync_over_async() const { return antipattern == "sync-over-async"; }
    /// True for --antipattern offload: POST /work runs on the offload pool while the worker blocks on it.
    bool offload() const { return antipattern == "offload"; }

    /// True for --model thread-per-connection.
    bool thread_per_connection() const { return model == "thread-per-connection"; }
};

/// The default worker count of server_sync (--threads), set before add_common_options.
inline constexpr int default_sync_threads = 10;

/// Adds --model, --pool, --min-threads, --max-threads, --no-blocking-adjustment,
/// --no-hill-climbing, --queue-limit, --antipattern
/// and --deadlock-exit to `app`, bound to `options`.
void add_sync_options(CLI::App& app, SyncOptions& options);

/// Cross-flag checks of server_sync's own flags that CLI11 cannot express (--min-threads ≤ --max-threads;
/// sync-over-async needs the pool model; the common flags are core's validate()). Returns the one-line
/// reason, or nullopt when they are fine.
std::optional<std::string> validate(const SyncOptions& sync);

/// The WorkerPool configuration these flags describe.
WorkerPool::Options make_pool_options(const ServerOptions& common, const SyncOptions& sync,
                                      ThreadPoolMetrics* metrics);

}  // namespace slowio::sync
