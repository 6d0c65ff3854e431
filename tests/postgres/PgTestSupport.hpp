#pragma once
/// \file The postgres tests' helpers: the private cluster's URL (SLOWIO_PG_URL, set by `python3 -m
/// slowio.postgres run`, which the ctest entry wraps around the executable), SQL from the test, and servers
/// started against it.

#include <libpq-fe.h>

#include <cstdlib>
#include <string>
#include <vector>

#include "core/PgUsers.hpp"

namespace slowio::test {

/// The private cluster's libpq URL; "" when the test runs without one.
inline std::string pg_url() {
    const char* url = std::getenv("SLOWIO_PG_URL");
    return url ? url : "";
}

/// Runs `sql` on a fresh connection and returns the first column of the first row ("" when none).
inline std::string pg_scalar(const std::string& sql) {
    PgConnPtr conn = pg_connect_blocking(pg_url());
    PGresult* r = PQexec(conn.get(), sql.c_str());
    std::string out = PQresultStatus(r) == PGRES_TUPLES_OK && PQntuples(r) > 0 ? PQgetvalue(r, 0, 0) : "";
    PQclear(r);
    return out;
}

/// Runs `sql` on a fresh connection and returns the first column of every row, one per line.
inline std::string pg_lines(const std::string& sql) {
    PgConnPtr conn = pg_connect_blocking(pg_url());
    PGresult* r = PQexec(conn.get(), sql.c_str());
    std::string out;
    if (PQresultStatus(r) == PGRES_TUPLES_OK) {
        for (int i = 0; i < PQntuples(r); ++i) out.append(PQgetvalue(r, i, 0)).append("\n");
    }
    PQclear(r);
    return out;
}

/// Server arguments for `--store postgres` on the private cluster: a quick server (1,000 rows) with latency
/// `latency_ms`, pool `pool`, then `extra`.
inline std::vector<std::string> pg_args(int latency_ms, int pool,
                                        const std::vector<std::string>& extra = {}) {
    std::vector<std::string> args{"--port",
                                  "0",
                                  "--users",
                                  "1000",
                                  "--log-level",
                                  "warn",
                                  "--store",
                                  "postgres",
                                  "--pg",
                                  pg_url(),
                                  "--db-pool",
                                  std::to_string(pool),
                                  "--store-latency-ms",
                                  std::to_string(latency_ms)};
    args.insert(args.end(), extra.begin(), extra.end());
    return args;
}

}  // namespace slowio::test
