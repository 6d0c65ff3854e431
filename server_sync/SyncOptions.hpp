#pragma once
/// \file server_sync's own command-line flags (the common ones live in core's ServerOptions).

#include <CLI/CLI.hpp>
#include <cstddef>
#include <optional>
#include <string>

#include "WorkerPool.hpp"
#include "core/ServerOptions.hpp"

namespace slowio {

struct ThreadPoolMetrics;

/// Flags only server_sync has; their --help text says "(server_sync only)".
struct SyncOptions {
    std::string model =
        "pool";  ///< "pool" (Kestrel shape) | "thread-per-connection" (classic blocking server)
    std::string pool = "fixed";   ///< "fixed" (--threads) | "elastic" (.NET starvation heuristic)
    std::size_t min_threads = 0;  ///< elastic floor; 0 until parsed means "number of cores"
    std::size_t max_threads = 1000;
    std::size_t queue_limit = 0;                ///< 0 = unbounded
    std::string starvation_signal = "dequeue";  ///< elastic: "dequeue" (.NET's rule) | "queue-age"

    /// True for --model thread-per-connection.
    bool thread_per_connection() const { return model == "thread-per-connection"; }
};

/// The default worker count of server_sync (--threads), set before add_common_options.
inline constexpr int default_sync_threads = 10;

/// Adds --model, --pool, --min-threads, --max-threads, --queue-limit to `app`, bound to `options`.
void add_sync_options(CLI::App& app, SyncOptions& options);

/// Cross-flag checks CLI11 cannot express (min ≤ max, --store-jitter syntax, --bind address). Returns the
/// one-line reason when the command line is unusable, nullopt when it is fine.
std::optional<std::string> validate(const ServerOptions& common, const SyncOptions& sync);

/// The WorkerPool configuration these flags describe.
WorkerPool::Options make_pool_options(const ServerOptions& common, const SyncOptions& sync,
                                      ThreadPoolMetrics* metrics);

}  // namespace slowio
