#pragma once
/// \file server_async's PostgreSQL pool (`--store postgres`): libpq's asynchronous API on the Asio loop. No
/// libpq call that can block ever runs on an io thread: connections are opened with PQconnectStartParams /
/// PQconnectPoll, queries sent with PQsendQueryParams + PQflush on a non-blocking connection, and results
/// read with PQconsumeInput / PQisBusy / PQgetResult when the socket is readable.

#include <asio/any_io_executor.hpp>
#include <asio/awaitable.hpp>
#include <asio/steady_timer.hpp>
#include <asio/strand.hpp>
#include <chrono>
#include <cstddef>
#include <string>
#include <vector>

#include "core/Application.hpp"
#include "core/PgUsers.hpp"
#include "server_async/WaiterQueue.hpp"

namespace slowio::async {

/// P connections shared by every request of the server. All pool state lives on one strand (with K = 1 it
/// costs nothing; with K > 1 it serialises only the pool's bookkeeping, never a wait).
class PgAsyncPool {
  public:
    /// Starts opening `settings.pool` connections in parallel on `executor` (returns at once).
    PgAsyncPool(const DbSettings& settings, DbPoolMetrics& db, Metrics& metrics,
                asio::any_io_executor executor);
    PgAsyncPool(const PgAsyncPool&) = delete;
    PgAsyncPool& operator=(const PgAsyncPool&) = delete;

    /// Waits (FIFO) for a free connection up to the acquire deadline (then 503 `database connection pool
    /// exhausted`), runs the query that sleeps `latency` in PostgreSQL, reads the row. A broken connection
    /// fails the call with 503 and is reconnected in the background. Resumes on the caller's executor.
    asio::awaitable<StoreResult> fetch(StoreCall call, std::chrono::nanoseconds latency);

  private:
    struct Slot {
        PgConnPtr conn;  ///< null while down
    };
    /// A request waiting for a connection: release() hands it `slot` and cancels its timer.
    struct Waiter {
        asio::steady_timer timer;
        Slot* slot = nullptr;
    };

    /// One pg_user_query on a non-blocking connection: its first result, and whether the connection is
    /// broken.
    struct Exchange {
        StoreResult result;
        bool broken = false;
        std::string why;  ///< when broken: the error that broke it
    };
    /// Sends pg_user_query with `values` (PQsendQueryParams, PQflush until sent) and reads every result
    /// (PQconsumeInput / PQisBusy / PQgetResult until NULL), suspending on the socket, never blocking.
    static asio::awaitable<Exchange> exchange(PGconn* conn, const char* const* values);
    asio::awaitable<StoreResult> fetch_on_strand(StoreCall call, std::chrono::nanoseconds latency);
    asio::awaitable<Slot*> acquire();
    /// Gives a busy slot back.
    void release(Slot* slot);
    /// Hands a usable slot to the oldest waiter still in time, or puts it on the free list.
    void offer(Slot* slot);
    /// Opens the slots not yet taken by another opener, one after another (the pool runs max_opening).
    asio::awaitable<void> open_slots();
    /// Opens `slot`'s connection without blocking and warms it (pg_warm_up_values); retries every 100 ms..1 s
    /// until both succeed.
    asio::awaitable<void> connect(Slot& slot);
    asio::awaitable<bool> connect_once(Slot& slot);
    asio::awaitable<StoreResult> query(Slot& slot, const StoreCall& call, std::chrono::nanoseconds latency);
    /// Marks `slot` down and starts its reconnection.
    void lost(Slot& slot, const std::string& why);

    std::string url_;
    std::chrono::milliseconds acquire_timeout_;
    DbPoolMetrics& db_;
    Metrics& metrics_;
    asio::strand<asio::any_io_executor> strand_;
    /// Connections being opened at once at start (a reconnection after a loss is one more).
    static constexpr std::size_t max_opening = 8;
    std::vector<Slot> slots_;
    std::size_t next_to_open_ = 0;  ///< the first slot no opener has taken yet
    std::vector<Slot*> free_;
    WaiterQueue<Waiter*> waiters_;
};

}  // namespace slowio::async
