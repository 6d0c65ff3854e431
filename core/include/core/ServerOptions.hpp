#pragma once
/// \file The command-line surface every server shares: the same flag names and meanings, and the exit codes.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace CLI {
class App;
}  // namespace CLI

namespace slowio {

/// Where GET /users/{id} reads its row (--store).
enum class StoreKind {
    sim,       ///< embedded SQLite behind a simulated latency (the default: no database server needed)
    postgres,  ///< PostgreSQL through libpq: the wait is a pg_sleep inside the one statement that reads the
               ///< row
};

/// The command-line name of `kind`.
std::string_view to_string(StoreKind kind);

/// True when this build has libpq (`--store postgres` is accepted).
bool postgres_supported();

/// Flags common to server_sync and server_async.
struct ServerOptions {
    std::string bind = "127.0.0.1";
    std::uint16_t port = 8080;
    int threads = 1;  ///< each server sets its own default before add_common_options
    int store_latency_ms = 2000;
    std::string store_jitter = "none";  ///< none | uniform:MS | exponential:MS
    std::uint64_t store_seed = 1;
    std::int64_t users = 10000;
    std::string db_path;                  ///< empty: a temp file removed at exit
    std::size_t max_connections = 18000;  ///< beyond it: 503 and close (stays under the 20,000 fd limit)
    int header_timeout_ms = 10000;        ///< slowloris guard: a started request must complete its headers
    int keepalive_timeout_ms = 120000;    ///< idle keep-alive connections are closed after this
    int shutdown_grace_ms = -1;           ///< in-flight drain bound; -1: store latency + 1 s
    std::size_t job_queue_capacity = 1024;
    std::size_t job_workers = 1;
    /// Threads of the --antipattern offload pool (POST /work's Task.Run analogue); 0 until
    /// add_common_options resolved it: the hardware threads.
    std::size_t offload_threads = 0;
    std::string log_level = "info";
    /// --drop-abandoned: a request whose client closed or reset its connection before the server took it
    /// (queued for a worker, or waiting on the store in server_async) is discarded instead of run (nginx logs
    /// such a request as 499). Off by default, as Kestrel: it runs a queued request whose client left.
    bool drop_abandoned = false;
    StoreKind store = StoreKind::sim;  ///< --store
    std::string pg_url;                ///< --pg: a libpq connection URI; empty: libpq's PG* environment
    /// --db-pool: database connections per server (Npgsql's and SqlClient's default Max Pool Size).
    std::size_t db_pool = 100;
    /// --db-acquire-timeout-ms: how long a request waits for a free connection before 503 (Npgsql's Timeout).
    int db_acquire_timeout_ms = 15000;
};

/// Adds the common flags (with validation) to `app`, bound to `options`.
void add_common_options(CLI::App& app, ServerOptions& options);

/// Parses the command line. Returns nullopt to continue, or the exit code to exit with: 0 after --help,
/// 2 after a bad flag (a one-line reason is printed to stderr).
std::optional<int> parse_command_line(CLI::App& app, int argc, char** argv);

/// A one-line reason when the common options cannot work together (`--bind` not an IP address, a bad
/// `--store-jitter`); nullopt when they can.
std::optional<std::string> validate(const ServerOptions& options);

/// The exit codes every server uses (core/README.md, "Exit codes").
namespace exit_code {
/// SIGINT/SIGTERM, and every request in flight was answered.
inline constexpr int ok = 0;
/// Startup failed after the command line was accepted (the store could not be created, ...).
inline constexpr int startup_failed = 1;
/// Bad command line (one line on stderr).
inline constexpr int bad_command_line = 2;
/// The listening socket could not be bound.
inline constexpr int cannot_bind = 3;
/// The deadlock watchdog fired and --deadlock-exit was given.
inline constexpr int deadlock = 4;
/// SIGINT/SIGTERM, but --shutdown-grace-ms ran out with requests still in flight: their responses were
/// lost, so this is not a clean exit.
inline constexpr int drain_expired = 5;
}  // namespace exit_code

}  // namespace slowio
