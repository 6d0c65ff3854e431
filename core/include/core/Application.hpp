#pragma once
/// \file Everything behind the socket, built once from ServerOptions: metrics, latency model, store,
/// job queue and handler. Both servers own one; they differ only in how they perform the store call.

#include <chrono>
#include <memory>
#include <optional>
#include <string>

#include "core/DbPoolMetrics.hpp"
#include "core/Handler.hpp"
#include "core/JobQueue.hpp"
#include "core/LatencyModel.hpp"
#include "core/Metrics.hpp"
#include "core/ServerOptions.hpp"
#include "core/SlowStore.hpp"

namespace slowio {

/// `--store postgres`: what a server's database pool needs (the schema is ready when Application exists).
struct DbSettings {
    std::string url;                                   ///< --pg (empty: libpq's PG* environment)
    std::size_t pool = 100;                            ///< --db-pool
    std::chrono::milliseconds acquire_timeout{15000};  ///< --db-acquire-timeout-ms
};

/// The sans-IO application. Member order is construction order: metrics first, handler last.
class Application {
  public:
    /// Builds everything; throws std::exception with a one-line reason on a startup failure.
    explicit Application(const ServerOptions& options);

    Metrics metrics;       ///< the registry served at /metrics
    LatencyModel latency;  ///< the simulated I/O wait
    SlowStore store;       ///< SQLite data behind the wait
    JobQueue jobs;         ///< POST /jobs background queue
    Handler handler;       ///< routes
    /// Set with `--store postgres` (after creating and seeding the schema): the server builds its own pool
    /// from it. nullopt: the sim store.
    std::optional<DbSettings> db;
    /// db_pool_* / db_* metrics, registered only with `--store postgres` (absent otherwise).
    std::unique_ptr<DbPoolMetrics> db_metrics;

    /// Graceful-drain bound for in-flight requests: options' value, or store latency + 1 s.
    std::chrono::milliseconds shutdown_grace() const { return shutdown_grace_; }

  private:
    std::chrono::milliseconds shutdown_grace_;
};

}  // namespace slowio
