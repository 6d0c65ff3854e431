#pragma once
/// \file PostgreSQL's side of the store, shared by both servers' pools (libpq builds only): the schema a
/// server creates at start, the one statement that waits and reads the row, and its parameters and result.

#include <libpq-fe.h>

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <system_error>

#include "core/SlowStore.hpp"

namespace slowio {

/// The one statement per request: slowio.slowio_user sleeps the latency ONCE (pg_sleep) and returns the row,
/// so the wait happens inside PostgreSQL, on the connection, as a slow query does.
inline constexpr const char* pg_user_query =
    "SELECT id, name, email, created_at FROM slowio.slowio_user($1::bigint, $2::double precision)";

/// The parameters ({id, latency_ms}) of the query each pool runs once on a connection it opens, before the
/// connection serves a request: pg_user_query for user 1 with no wait. A backend's first call of the plpgsql
/// function compiles it and fills the backend's catalog caches, about 10 ms of the database's CPU (1 ms
/// after); at P = 1,000 that is 10 s of CPU landing on the first requests, all at the load's start, on the
/// cores the servers and the load generator share.
inline constexpr const char* pg_warm_up_values[2] = {"1", "0"};

/// The reason of the 503 a request gets when no connection was free within --db-acquire-timeout-ms.
inline constexpr std::string_view pg_pool_exhausted_reason = "database connection pool exhausted";

/// PQfinish as a deleter.
struct PgConnDeleter {
    /// Closes the connection.
    void operator()(PGconn* conn) const { PQfinish(conn); }
};
/// An owned libpq connection.
using PgConnPtr = std::unique_ptr<PGconn, PgConnDeleter>;

/// The text parameters of one pg_user_query call (they must outlive the PQsend/PQexec call).
struct PgUserParams {
    /// Formats `call`'s id and `latency` (as milliseconds) as text parameters.
    PgUserParams(const StoreCall& call, std::chrono::nanoseconds latency);
    std::string id;          ///< $1
    std::string latency_ms;  ///< $2
    const char* values[2];   ///< {id, latency_ms} for libpq
};

/// The keywords/values of PQconnectdbParams / PQconnectStartParams for `url` (empty: libpq's PG*
/// environment), with expand_dbname so a URI works; `keys` and `values` are null-terminated arrays.
struct PgConnectParams {
    /// Builds the arrays for `url` (kept by reference: it must outlive the call).
    explicit PgConnectParams(const std::string& url);
    const char* keys[4];    ///< gssencmode, dbname, application_name, nullptr
    const char* values[4];  ///< "disable" (the URL may say otherwise), the URL, "slowio", nullptr
};

/// Reads pg_user_query's result: the row, no row (404), or the error (a StoreResult with `error`).
StoreResult read_user_result(const PGresult* result);

/// A blocking connection for startup and server_sync; throws std::runtime_error when it fails.
PgConnPtr pg_connect_blocking(const std::string& url);

/// Runs pg_user_query with `values` ({id, latency_ms}) on a blocking connection and reads its result
/// (read_user_result): the worker blocks in a socket read until PostgreSQL answers.
StoreResult pg_user_query_blocking(PGconn* conn, const char* const* values);

/// A blocking pool connection: pg_connect_blocking, then the warm-up query (pg_warm_up_values); throws
/// std::runtime_error when either fails (a schema that is not there yet included).
PgConnPtr pg_connect_warm_blocking(const std::string& url);

/// Creates schema slowio, slowio.users seeded with seeded_user(1..users), and slowio.slowio_user, if absent:
/// idempotent, and safe when several servers start at once (one transaction under an advisory lock).
/// Blocking (startup only); throws std::runtime_error with a one-line reason.
void prepare_pg_schema(const std::string& url, std::int64_t users);

}  // namespace slowio
