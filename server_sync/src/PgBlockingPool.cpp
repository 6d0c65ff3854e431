#include "server_sync/PgBlockingPool.hpp"

#include <exception>

#include "core/Log.hpp"
#include "core/Metrics.hpp"

namespace slowio::sync {

namespace {
StoreResult unavailable(std::string reason) {
    StoreResult result;
    result.error = std::move(reason);
    result.unavailable = true;
    return result;
}
}  // namespace

PgBlockingPool::PgBlockingPool(const DbSettings& settings, DbPoolMetrics& db, Metrics& metrics)
    : url_(settings.url),
      acquire_timeout_(settings.acquire_timeout),
      db_(db),
      metrics_(metrics),
      slots_(settings.pool) {
    // Connected at start, as a warmed ADO.NET pool (MinPoolSize = MaxPoolSize), each connection's backend
    // warmed by one query: the first requests measure the query, not P connection handshakes nor P backends'
    // first plpgsql calls. The first failure is a startup error (exit 1).
    for (Slot& slot : slots_) {
        slot.conn = pg_connect_warm_blocking(url_);
        free_.push_back(&slot);
    }
    db_.connections.Set(static_cast<double>(slots_.size()));
}

PgBlockingPool::Slot* PgBlockingPool::acquire() {
    const auto start = std::chrono::steady_clock::now();
    std::unique_lock lock(mutex_);
    bool got = !free_.empty();
    if (!got) {  // counted only when it really waits: a scrape must not see a waiter that never was
        db_.waiters.Increment();
        got = available_.wait_until(lock, start + acquire_timeout_, [this] { return !free_.empty(); });
        db_.waiters.Decrement();
    }
    db_.wait.Observe(std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
    if (!got) return nullptr;
    Slot* slot = free_.back();
    free_.pop_back();
    db_.busy.Increment();
    return slot;
}

void PgBlockingPool::release(Slot* slot) {
    {
        std::lock_guard lock(mutex_);
        free_.push_back(slot);
        db_.busy.Decrement();
    }
    available_.notify_one();
}

bool PgBlockingPool::ensure_connected(Slot& slot) {
    if (slot.conn) return true;
    try {
        slot.conn = pg_connect_warm_blocking(url_);
        db_.connections.Increment();
        log(LogLevel::info, "postgres: connection re-established");
        return true;
    } catch (const std::exception& e) {
        db_.count_error("connect");
        log(LogLevel::warn, "{}", e.what());
        return false;
    }
}

StoreResult PgBlockingPool::run(Slot& slot, const StoreCall& call, std::chrono::nanoseconds latency) {
    const PgUserParams params(call, latency);
    db_.queries.Increment();
    // Blocks this worker in a socket read until PostgreSQL answers (the pg_sleep is inside the query).
    StoreResult out = pg_user_query_blocking(slot.conn.get(), params.values);
    if (out.error.empty()) return out;
    if (PQstatus(slot.conn.get()) == CONNECTION_BAD) {
        // The backend was terminated or the server went away: drop the connection; the next taker reconnects.
        db_.count_error("connection_lost");
        db_.connections.Decrement();
        slot.conn.reset();
        log(LogLevel::warn, "postgres: connection lost: {}", out.error);
        return unavailable("database connection lost");
    }
    db_.count_error("query");
    return out;
}

StoreResult PgBlockingPool::fetch(const StoreCall& call, std::chrono::nanoseconds latency) {
    Slot* slot = acquire();
    if (!slot) {
        db_.count_error("acquire_timeout");
        metrics_.count_rejected("db_pool_timeout");
        return unavailable(std::string(pg_pool_exhausted_reason));
    }
    StoreResult out =
        ensure_connected(*slot) ? run(*slot, call, latency) : unavailable("database unavailable");
    release(slot);
    return out;
}

}  // namespace slowio::sync
