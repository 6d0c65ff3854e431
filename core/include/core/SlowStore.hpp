#pragma once
/// \file The slow store: real SQLite3 data behind a simulated latency, callable two ways.

#include <asio/any_io_executor.hpp>
#include <asio/awaitable.hpp>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <filesystem>
#include <mutex>
#include <optional>
#include <string>
#include <system_error>
#include <vector>

#include "core/LatencyModel.hpp"
#include "core/SeededUsers.hpp"

struct sqlite3;
struct sqlite3_stmt;

namespace slowio {

class Metrics;

/// What the handler asks the store for; produced by Handler::handle, performed by a server.
struct StoreCall {
    std::int64_t user_id = 0;
};

/// The outcome of a store call: a user, "no such user", or a database error message.
struct StoreResult {
    std::optional<User> user;
    std::string error;  ///< non-empty when the store failed (→ 500, or 503 when `unavailable`)
    /// The store could not serve the call right now (no database connection in time, the connection broke):
    /// 503 + Retry-After with `error` as the reason, not a 500.
    bool unavailable = false;
};

/// Real SQLite3 data (a `users` table seeded deterministically into a database file created at start)
/// behind a latency model.
///
/// Connection sharing: a small fixed pool of SQLite connections (default 4), each opened with
/// SQLITE_OPEN_NOMUTEX and used by one thread at a time, handed out under a mutex. The latency wait
/// happens BEFORE a connection is borrowed and the query itself takes microseconds, so 4 connections serve
/// thousands of concurrently waiting requests — a sync pool can have thousands of threads and one
/// connection per thread would mean thousands of file handles and page caches.
class SlowStore {
  public:
    /// Construction parameters.
    struct Options {
        std::filesystem::path db_path;    ///< empty: a fresh file in the temp dir, removed by the destructor
        std::int64_t users = 10000;       ///< rows seeded
        LatencyModel* latency = nullptr;  ///< not owned; nullptr means no wait at all
        std::size_t connections = 4;      ///< SQLite connection pool size
        Metrics* metrics = nullptr;       ///< store_calls_total, optional
    };

    /// Creates (or recreates) the database file and seeds it. Throws std::runtime_error on SQLite failure.
    explicit SlowStore(Options options);
    ~SlowStore();
    SlowStore(const SlowStore&) = delete;
    SlowStore& operator=(const SlowStore&) = delete;

    /// Waits the sampled latency ON THE CALLING THREAD (a sync controller's blocking I/O), then queries.
    StoreResult fetch_blocking(const StoreCall& call);

    /// Waits the sampled latency on an Asio steady_timer of `executor` (no thread is held), then queries.
    /// The query runs on whichever thread resumes the coroutine; it takes microseconds.
    asio::awaitable<StoreResult> fetch_async(StoreCall call, asio::any_io_executor executor);

    /// The query alone, no latency (microseconds): SELECT by primary key on a pooled connection.
    StoreResult query(const StoreCall& call);

    /// Counts a store call (store_calls_total) and samples its latency: the first half of fetch_blocking and
    /// fetch_async, for a server that performs the wait itself and then calls query().
    std::chrono::nanoseconds begin_call();

    /// The second half after an asynchronous wait: query(), or — when the wait ended with `wait_error` (the
    /// timer was cancelled) — a result saying so.
    StoreResult end_call(const StoreCall& call, std::error_code wait_error);

    /// Number of seeded rows.
    std::int64_t user_count() const { return users_; }
    /// The database file.
    const std::filesystem::path& path() const { return path_; }
    /// The deterministic row for `id` as seeded (tests compare query results against it).
    static User seeded_user(std::int64_t id);

  private:
    struct Conn {
        sqlite3* db = nullptr;
        sqlite3_stmt* select = nullptr;
    };
    Conn* acquire();
    void release(Conn* conn);

    std::filesystem::path path_;
    bool remove_on_exit_ = false;
    std::int64_t users_;
    LatencyModel* latency_;
    Metrics* metrics_;
    std::vector<Conn> conns_;
    std::vector<Conn*> free_;
    std::mutex mutex_;
    std::condition_variable available_;
};

}  // namespace slowio
