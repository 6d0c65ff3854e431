#pragma once
/// \file server_sync's PostgreSQL connection pool (`--store postgres`): blocking, as ADO.NET's pool is under
/// a synchronous controller. A worker waits for a free connection (up to --db-acquire-timeout-ms), then
/// blocks in PQexecParams — a real blocking socket read for the whole pg_sleep.
///
/// The elastic WorkerPool is NOT told about this wait (no notify_blocked()): .NET's thread pool treats a
/// blocking socket read as ordinary work — only the starvation gate and hill climbing react to it; the
/// blocking adjustment is for threads blocked on a Task (.Result / .Wait()), which this is not.

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <mutex>
#include <string>
#include <vector>

#include "core/Application.hpp"
#include "core/PgUsers.hpp"

namespace slowio::sync {

/// P blocking libpq connections shared by every worker. Thread-safe.
class PgBlockingPool {
  public:
    /// Opens `settings.pool` connections (blocking; startup). Throws std::runtime_error when the first fails.
    PgBlockingPool(const DbSettings& settings, DbPoolMetrics& db, Metrics& metrics);
    PgBlockingPool(const PgBlockingPool&) = delete;
    PgBlockingPool& operator=(const PgBlockingPool&) = delete;

    /// Takes a connection (503 `database connection pool exhausted` past the acquire deadline), runs the
    /// query that sleeps `latency` inside PostgreSQL and reads the row, and gives the connection back. A
    /// broken connection fails this call with 503 and is reconnected by the next worker that takes it.
    StoreResult fetch(const StoreCall& call, std::chrono::nanoseconds latency);

  private:
    /// One pooled connection; `conn` is null while it is down (never connected, or broke).
    struct Slot {
        PgConnPtr conn;
    };
    Slot* acquire();
    void release(Slot* slot);
    /// (Re)connects a slot that is down, on the calling worker; false when PostgreSQL refused.
    bool ensure_connected(Slot& slot);
    StoreResult run(Slot& slot, const StoreCall& call, std::chrono::nanoseconds latency);

    std::string url_;
    std::chrono::milliseconds acquire_timeout_;
    DbPoolMetrics& db_;
    Metrics& metrics_;
    std::vector<Slot> slots_;
    std::vector<Slot*> free_;
    std::mutex mutex_;
    std::condition_variable available_;
};

}  // namespace slowio::sync
