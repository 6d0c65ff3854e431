#include "server_async/PgAsyncPool.hpp"

#include <algorithm>
#include <asio/co_spawn.hpp>
#include <asio/detached.hpp>
#include <asio/posix/stream_descriptor.hpp>
#include <asio/redirect_error.hpp>
#include <asio/this_coro.hpp>
#include <asio/use_awaitable.hpp>

#include "core/Log.hpp"
#include "core/Metrics.hpp"

namespace slowio::async {

namespace {

using Wait = asio::posix::stream_descriptor::wait_type;

StoreResult unavailable(std::string reason) {
    StoreResult result;
    result.error = std::move(reason);
    result.unavailable = true;
    return result;
}

/// libpq's socket seen by Asio without being owned: release() on every path (also when the waiting coroutine
/// is destroyed), so Asio never closes a descriptor libpq still uses.
class BorrowedSocket {
  public:
    BorrowedSocket(const asio::any_io_executor& executor, int fd, std::error_code& ec) : sd_(executor) {
        sd_.assign(fd, ec);
    }
    ~BorrowedSocket() {
        if (sd_.is_open()) (void)sd_.release();
    }
    BorrowedSocket(const BorrowedSocket&) = delete;
    BorrowedSocket& operator=(const BorrowedSocket&) = delete;
    asio::posix::stream_descriptor& get() { return sd_; }

  private:
    asio::posix::stream_descriptor sd_;
};

/// Suspends until `conn`'s socket is ready for `what`. A fresh registration per wait: PQconnectPoll may
/// change the socket, and the epoll_ctl pair it costs is small next to a round trip to PostgreSQL.
asio::awaitable<std::error_code> wait_socket(PGconn* conn, Wait what) {
    std::error_code ec;
    if (PQsocket(conn) < 0) co_return std::make_error_code(std::errc::not_connected);
    BorrowedSocket socket(co_await asio::this_coro::executor, PQsocket(conn), ec);
    if (ec) co_return ec;
    co_await socket.get().async_wait(what, asio::redirect_error(asio::use_awaitable, ec));
    co_return ec;
}

}  // namespace

PgAsyncPool::PgAsyncPool(const DbSettings& settings, DbPoolMetrics& db, Metrics& metrics,
                         asio::any_io_executor executor)
    : url_(settings.url),
      acquire_timeout_(settings.acquire_timeout),
      db_(db),
      metrics_(metrics),
      strand_(asio::make_strand(executor)),
      slots_(settings.pool) {
    // At most max_opening connections are being opened at once, each opener taking the next slot when its own
    // is up. All P at once (issue 25) put P PQconnectStartParams, then P PQconnectPoll, in one turn of the
    // strand while PostgreSQL forked P backends on the same cores: at P = 1,000 the loop stalled for seconds.
    // Requests that come first wait in FIFO for the connections already open.
    const std::size_t openers = std::min(max_opening, slots_.size());
    for (std::size_t i = 0; i < openers; ++i) asio::co_spawn(strand_, open_slots(), asio::detached);
}

asio::awaitable<PgAsyncPool::Exchange> PgAsyncPool::exchange(PGconn* conn, const char* const* values) {
    Exchange ex;
    bool have = false;
    int flush =
        PQsendQueryParams(conn, pg_user_query, 2, nullptr, values, nullptr, nullptr, 0) ? PQflush(conn) : -1;
    while (flush == 1) {  // the non-blocking send did not fit the socket buffer: finish it when writable
        if (co_await wait_socket(conn, Wait::wait_write)) break;
        flush = PQflush(conn);
    }
    while (flush == 0) {
        while (!PQisBusy(conn)) {  // PQgetResult will not block now
            PGresult* result = PQgetResult(conn);
            if (!result) {  // the statement is complete
                ex.broken = PQstatus(conn) == CONNECTION_BAD;
                if (ex.broken) ex.why = have ? ex.result.error : PQerrorMessage(conn);
                co_return ex;
            }
            if (!have) ex.result = read_user_result(result);
            have = true;
            PQclear(result);
        }
        if (co_await wait_socket(conn, Wait::wait_read) || !PQconsumeInput(conn)) break;
    }
    ex.broken = true;  // left the loop without the final NULL result: the connection is unusable
    ex.why = have ? ex.result.error : PQerrorMessage(conn);
    co_return ex;
}

asio::awaitable<void> PgAsyncPool::open_slots() {
    while (next_to_open_ < slots_.size()) {
        Slot& slot = slots_[next_to_open_++];
        co_await connect(slot);
    }
}

asio::awaitable<bool> PgAsyncPool::connect_once(Slot& slot) {
    const PgConnectParams params(url_);
    PgConnPtr conn(PQconnectStartParams(params.keys, params.values, /*expand_dbname=*/1));
    if (!conn || PQstatus(conn.get()) == CONNECTION_BAD) co_return false;
    PostgresPollingStatusType status = PGRES_POLLING_WRITING;  // libpq: wait for writable first
    while (status != PGRES_POLLING_OK) {
        if (status == PGRES_POLLING_FAILED) {
            log(LogLevel::warn, "postgres: connect failed: {}", PQerrorMessage(conn.get()));
            co_return false;
        }
        const auto ec = co_await wait_socket(
            conn.get(), status == PGRES_POLLING_READING ? Wait::wait_read : Wait::wait_write);
        if (ec) co_return false;
        status = PQconnectPoll(conn.get());
    }
    if (PQsetnonblocking(conn.get(), 1) != 0)
        co_return false;  // PQsendQueryParams must never block on a write
    // One warm-up query before the connection serves a request (pg_warm_up_values says why).
    const Exchange warm = co_await exchange(conn.get(), pg_warm_up_values);
    if (warm.broken || !warm.result.error.empty()) {
        log(LogLevel::warn, "postgres: warm-up query failed: {}", warm.broken ? warm.why : warm.result.error);
        co_return false;
    }
    slot.conn = std::move(conn);
    db_.connections.Increment();
    co_return true;
}

asio::awaitable<void> PgAsyncPool::connect(Slot& slot) {
    std::chrono::milliseconds backoff(100);
    while (!co_await connect_once(slot)) {
        db_.count_error("connect");
        asio::steady_timer timer(strand_, backoff);
        co_await timer.async_wait(asio::use_awaitable);
        backoff = std::min(backoff * 2, std::chrono::milliseconds(1000));
    }
    offer(&slot);
}

void PgAsyncPool::offer(Slot* slot) {
    if (auto waiter = waiters_.pop_front(std::chrono::steady_clock::now())) {
        (*waiter)->slot = slot;
        (*waiter)->timer.cancel();  // wakes it: it owns the slot now (still busy)
        db_.busy.Increment();
        db_.waiters.Set(static_cast<double>(waiters_.size()));
        return;
    }
    free_.push_back(slot);
}

void PgAsyncPool::release(Slot* slot) {
    db_.busy.Decrement();
    offer(slot);
}

asio::awaitable<PgAsyncPool::Slot*> PgAsyncPool::acquire() {
    const auto start = std::chrono::steady_clock::now();
    if (!free_.empty()) {
        Slot* slot = free_.back();
        free_.pop_back();
        db_.busy.Increment();
        db_.wait.Observe(0);
        co_return slot;
    }
    Waiter waiter{asio::steady_timer(strand_, start + acquire_timeout_)};
    const auto ticket = waiters_.push(&waiter, start + acquire_timeout_);
    db_.waiters.Set(static_cast<double>(waiters_.size()));
    std::error_code ec;
    co_await waiter.timer.async_wait(asio::redirect_error(asio::use_awaitable, ec));
    if (!waiter.slot) waiters_.remove(ticket);  // the deadline passed first
    db_.waiters.Set(static_cast<double>(waiters_.size()));
    db_.wait.Observe(std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
    co_return waiter.slot;
}

void PgAsyncPool::lost(Slot& slot, const std::string& why) {
    db_.count_error("connection_lost");
    db_.connections.Decrement();
    db_.busy.Decrement();
    slot.conn.reset();
    log(LogLevel::warn, "postgres: connection lost ({}); reconnecting", why);
    asio::co_spawn(strand_, connect(slot), asio::detached);
}

asio::awaitable<StoreResult> PgAsyncPool::query(Slot& slot, const StoreCall& call,
                                                std::chrono::nanoseconds latency) {
    const PgUserParams params(call, latency);
    db_.queries.Increment();
    Exchange ex = co_await exchange(slot.conn.get(), params.values);
    if (ex.broken) {
        lost(slot, ex.why);
        co_return unavailable("database connection lost");
    }
    if (!ex.result.error.empty()) db_.count_error("query");
    release(&slot);
    co_return std::move(ex.result);
}

asio::awaitable<StoreResult> PgAsyncPool::fetch_on_strand(StoreCall call, std::chrono::nanoseconds latency) {
    Slot* slot = co_await acquire();
    if (!slot) {
        db_.count_error("acquire_timeout");
        metrics_.count_rejected("db_pool_timeout");
        co_return unavailable(std::string(pg_pool_exhausted_reason));
    }
    co_return co_await query(*slot, call, latency);  // query() gives the slot back (or reconnects it)
}

asio::awaitable<StoreResult> PgAsyncPool::fetch(StoreCall call, std::chrono::nanoseconds latency) {
    co_return co_await asio::co_spawn(strand_, fetch_on_strand(call, latency), asio::use_awaitable);
}

}  // namespace slowio::async
