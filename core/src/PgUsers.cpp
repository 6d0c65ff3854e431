#include "core/PgUsers.hpp"

#include <fmt/format.h>

#include <charconv>
#include <cstdlib>
#include <stdexcept>

#include "core/PgSchemaSql.hpp"  // generated from core/sql/slowio_schema.sql

namespace slowio {

namespace {

/// Any number: one lock for every slowio server preparing the same database.
constexpr const char* schema_lock = "SELECT pg_advisory_xact_lock(72657373)";

void exec(PGconn* conn, const char* sql) {
    PGresult* r = PQexec(conn, sql);
    const ExecStatusType status = PQresultStatus(r);
    const std::string message = PQresultErrorMessage(r);
    PQclear(r);
    if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK)
        throw std::runtime_error(fmt::format("postgres: {}", message.substr(0, message.find('\n'))));
}

std::int64_t scalar(PGconn* conn, const char* sql) {
    PGresult* r = PQexec(conn, sql);
    if (PQresultStatus(r) != PGRES_TUPLES_OK || PQntuples(r) != 1) {
        const std::string message = PQresultErrorMessage(r);
        PQclear(r);
        throw std::runtime_error(fmt::format("postgres: {}", message.substr(0, message.find('\n'))));
    }
    const std::int64_t value = PQgetisnull(r, 0, 0) ? 0 : std::stoll(PQgetvalue(r, 0, 0));
    PQclear(r);
    return value;
}

/// COPY is the fast way in: 10,000 rows in one round trip.
void copy_rows(PGconn* conn, std::int64_t users) {
    exec(conn, "TRUNCATE slowio.users");
    PGresult* r = PQexec(conn, "COPY slowio.users (id, name, email, created_at) FROM STDIN");
    const bool ok = PQresultStatus(r) == PGRES_COPY_IN;
    PQclear(r);
    if (!ok) throw std::runtime_error(fmt::format("postgres: COPY: {}", PQerrorMessage(conn)));
    std::string buffer;
    for (std::int64_t id = 1; id <= users; ++id) {
        const User u = seeded_user(id);  // no tab, newline or backslash in these values: no escaping needed
        buffer += fmt::format("{}\t{}\t{}\t{}\n", u.id, u.name, u.email, u.created_at);
        if (buffer.size() > 1 << 20 || id == users) {
            if (PQputCopyData(conn, buffer.data(), static_cast<int>(buffer.size())) != 1)
                throw std::runtime_error(fmt::format("postgres: COPY data: {}", PQerrorMessage(conn)));
            buffer.clear();
        }
    }
    if (PQputCopyEnd(conn, nullptr) != 1)
        throw std::runtime_error(fmt::format("postgres: COPY end: {}", PQerrorMessage(conn)));
    r = PQgetResult(conn);
    const std::string message = PQresultErrorMessage(r);
    const bool done = PQresultStatus(r) == PGRES_COMMAND_OK;
    PQclear(r);
    while ((r = PQgetResult(conn)) != nullptr) PQclear(r);
    if (!done) throw std::runtime_error(fmt::format("postgres: COPY: {}", message));
}

}  // namespace

PgUserParams::PgUserParams(const StoreCall& call, std::chrono::nanoseconds latency)
    : id(std::to_string(call.user_id)),
      latency_ms(fmt::format("{:.3f}", std::chrono::duration<double, std::milli>(latency).count())),
      values{id.c_str(), latency_ms.c_str()} {}

// gssencmode before dbname, so a URL that names it wins (libpq: array entries before the expanded dbname are
// overridden by the connection string's). Without it, Debian's libpq (built with GSSAPI) tries a GSS
// handshake on every TCP connection first, a synchronous Kerberos credential lookup inside PQconnectPoll: on
// the event loop. An empty value is ignored, so PGGSSENCMODE, when set, still decides.
PgConnectParams::PgConnectParams(const std::string& url)
    : keys{"gssencmode", "dbname", "application_name", nullptr},
      values{std::getenv("PGGSSENCMODE") != nullptr ? "" : "disable", url.c_str(), "slowio", nullptr} {}

StoreResult read_user_result(const PGresult* result) {
    StoreResult out;
    if (PQresultStatus(result) != PGRES_TUPLES_OK) {
        const std::string message = PQresultErrorMessage(result);
        out.error = message.substr(0, message.find('\n'));
        return out;
    }
    if (PQntuples(result) == 0) return out;
    User u;
    const char* id = PQgetvalue(result, 0, 0);
    std::from_chars(id, id + PQgetlength(result, 0, 0), u.id);
    u.name = PQgetvalue(result, 0, 1);
    u.email = PQgetvalue(result, 0, 2);
    u.created_at = PQgetvalue(result, 0, 3);
    out.user = std::move(u);
    return out;
}

PgConnPtr pg_connect_blocking(const std::string& url) {
    const PgConnectParams params(url);
    PgConnPtr conn(PQconnectdbParams(params.keys, params.values, /*expand_dbname=*/1));
    if (!conn || PQstatus(conn.get()) != CONNECTION_OK) {
        std::string message = conn ? PQerrorMessage(conn.get()) : "out of memory";
        while (!message.empty() && message.back() == '\n') message.pop_back();
        throw std::runtime_error(fmt::format("postgres: cannot connect: {}", message));
    }
    return conn;
}

StoreResult pg_user_query_blocking(PGconn* conn, const char* const* values) {
    PGresult* result =
        PQexecParams(conn, pg_user_query, 2, nullptr, values, nullptr, nullptr, /*resultFormat=*/0);
    StoreResult out = read_user_result(result);
    PQclear(result);
    return out;
}

PgConnPtr pg_connect_warm_blocking(const std::string& url) {
    PgConnPtr conn = pg_connect_blocking(url);
    const StoreResult warm = pg_user_query_blocking(conn.get(), pg_warm_up_values);
    if (!warm.error.empty()) throw std::runtime_error(fmt::format("postgres: warm-up query: {}", warm.error));
    return conn;
}

void prepare_pg_schema(const std::string& url, std::int64_t users) {
    PgConnPtr conn = pg_connect_blocking(url);
    exec(conn.get(), "SET client_min_messages = warning");  // no NOTICE "already exists" on stderr
    exec(conn.get(), "BEGIN");
    // Everything under one advisory lock: CREATE ... IF NOT EXISTS alone still races (two sessions can both
    // see "absent" and one fails on the catalog's unique index), and seeding must happen once.
    exec(conn.get(), schema_lock);
    exec(conn.get(), pg_schema_sql);
    const std::int64_t rows = scalar(conn.get(), "SELECT count(*) FROM slowio.users");
    const std::int64_t max_id = scalar(conn.get(), "SELECT max(id) FROM slowio.users");
    if (rows != users || max_id != users) copy_rows(conn.get(), users);
    exec(conn.get(), "COMMIT");
}

}  // namespace slowio
