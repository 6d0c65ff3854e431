#include "core/SlowStore.hpp"

#include <fmt/format.h>
#include <sqlite3.h>
#include <unistd.h>

#include <asio/redirect_error.hpp>
#include <asio/steady_timer.hpp>
#include <asio/use_awaitable.hpp>
#include <atomic>
#include <stdexcept>
#include <thread>

#include "core/Metrics.hpp"

namespace slowio {

namespace {

void check(int rc, sqlite3* db, const char* what) {
    if (rc != SQLITE_OK && rc != SQLITE_DONE && rc != SQLITE_ROW) {
        throw std::runtime_error(
            fmt::format("sqlite: {}: {}", what, db ? sqlite3_errmsg(db) : sqlite3_errstr(rc)));
    }
}

std::filesystem::path temp_db_path() {
    static std::atomic<unsigned> counter{0};
    return std::filesystem::temp_directory_path() /
           fmt::format("slowio-users-{}-{}.db", ::getpid(), counter.fetch_add(1));
}

}  // namespace

User SlowStore::seeded_user(std::int64_t id) {
    return slowio::seeded_user(id);
}

SlowStore::SlowStore(Options options)
    : users_(options.users), latency_(options.latency), metrics_(options.metrics) {
    if (options.users < 1) throw std::invalid_argument("--users must be at least 1");
    if (options.connections < 1) throw std::invalid_argument("the SQLite pool needs at least one connection");
    path_ = options.db_path.empty() ? temp_db_path() : options.db_path;
    remove_on_exit_ = options.db_path.empty();
    std::error_code ignored;
    std::filesystem::remove(path_, ignored);

    // Seed in one transaction on a writer connection, then reopen read-only for the pool.
    sqlite3* db = nullptr;
    const int rc = sqlite3_open_v2(path_.c_str(), &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, nullptr);
    if (rc != SQLITE_OK) {
        const std::string msg = db ? sqlite3_errmsg(db) : sqlite3_errstr(rc);
        sqlite3_close(db);
        throw std::runtime_error(fmt::format("sqlite: cannot create {}: {}", path_.string(), msg));
    }
    try {
        check(sqlite3_exec(db,
                           "PRAGMA journal_mode=OFF; PRAGMA synchronous=OFF;"
                           "CREATE TABLE users (id INTEGER PRIMARY KEY, name TEXT NOT NULL, "
                           "email TEXT NOT NULL UNIQUE, created_at TEXT NOT NULL);"
                           "BEGIN;",
                           nullptr, nullptr, nullptr),
              db, "create table");
        sqlite3_stmt* insert = nullptr;
        check(sqlite3_prepare_v2(db, "INSERT INTO users VALUES (?1, ?2, ?3, ?4)", -1, &insert, nullptr), db,
              "prepare insert");
        for (std::int64_t id = 1; id <= users_; ++id) {
            const User u = seeded_user(id);
            sqlite3_bind_int64(insert, 1, u.id);
            sqlite3_bind_text(insert, 2, u.name.c_str(), -1, SQLITE_TRANSIENT);
            sqlite3_bind_text(insert, 3, u.email.c_str(), -1, SQLITE_TRANSIENT);
            sqlite3_bind_text(insert, 4, u.created_at.c_str(), -1, SQLITE_TRANSIENT);
            const int step = sqlite3_step(insert);
            if (step != SQLITE_DONE) {
                sqlite3_finalize(insert);
                check(step, db, "insert");
            }
            sqlite3_reset(insert);
        }
        sqlite3_finalize(insert);
        check(sqlite3_exec(db, "COMMIT;", nullptr, nullptr, nullptr), db, "commit");
    } catch (...) {
        sqlite3_close(db);
        throw;
    }
    sqlite3_close(db);

    conns_.resize(options.connections);
    for (Conn& c : conns_) {
        check(sqlite3_open_v2(path_.c_str(), &c.db, SQLITE_OPEN_READONLY | SQLITE_OPEN_NOMUTEX, nullptr),
              c.db, "open read-only");
        // Readers keep their SHARED lock between queries (nobody writes after seeding): this saves the
        // lock/unlock system calls and the page-cache revalidation SQLite otherwise does per query.
        check(sqlite3_exec(c.db, "PRAGMA locking_mode=EXCLUSIVE;", nullptr, nullptr, nullptr), c.db,
              "locking mode");
        check(sqlite3_prepare_v3(c.db, "SELECT id, name, email, created_at FROM users WHERE id = ?1", -1,
                                 SQLITE_PREPARE_PERSISTENT, &c.select, nullptr),
              c.db, "prepare select");
        free_.push_back(&c);
    }
}

SlowStore::~SlowStore() {
    for (Conn& c : conns_) {
        sqlite3_finalize(c.select);
        sqlite3_close(c.db);
    }
    if (remove_on_exit_) {
        std::error_code ignored;
        std::filesystem::remove(path_, ignored);
    }
}

SlowStore::Conn* SlowStore::acquire() {
    std::unique_lock lock(mutex_);
    available_.wait(lock, [this] { return !free_.empty(); });
    Conn* c = free_.back();
    free_.pop_back();
    return c;
}

void SlowStore::release(Conn* conn) {
    {
        std::lock_guard lock(mutex_);
        free_.push_back(conn);
    }
    available_.notify_one();
}

std::chrono::nanoseconds SlowStore::begin_call() {
    if (metrics_) metrics_->store_calls().Increment();
    return latency_ ? latency_->sample() : std::chrono::nanoseconds(0);
}

StoreResult SlowStore::query(const StoreCall& call) {
    Conn* c = acquire();
    StoreResult result;
    sqlite3_bind_int64(c->select, 1, call.user_id);
    const int rc = sqlite3_step(c->select);
    if (rc == SQLITE_ROW) {
        User u;
        u.id = sqlite3_column_int64(c->select, 0);
        u.name = reinterpret_cast<const char*>(sqlite3_column_text(c->select, 1));
        u.email = reinterpret_cast<const char*>(sqlite3_column_text(c->select, 2));
        u.created_at = reinterpret_cast<const char*>(sqlite3_column_text(c->select, 3));
        result.user = std::move(u);
    } else if (rc != SQLITE_DONE) {
        result.error = sqlite3_errmsg(c->db);
    }
    sqlite3_reset(c->select);
    release(c);
    return result;
}

StoreResult SlowStore::fetch_blocking(const StoreCall& call) {
    std::this_thread::sleep_for(begin_call());
    return query(call);
}

asio::awaitable<StoreResult> SlowStore::fetch_async(StoreCall call, asio::any_io_executor executor) {
    asio::steady_timer timer(executor, begin_call());
    std::error_code ec;
    co_await timer.async_wait(asio::redirect_error(asio::use_awaitable, ec));
    co_return end_call(call, ec);
}

StoreResult SlowStore::end_call(const StoreCall& call, std::error_code wait_error) {
    if (wait_error) return StoreResult{std::nullopt, "store call cancelled: " + wait_error.message()};
    return query(call);
}

}  // namespace slowio
