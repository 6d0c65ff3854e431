#include "core/ServerOptions.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <asio/ip/address.hpp>
#include <chrono>
#include <cstdio>
#include <iostream>
#include <stdexcept>
#include <thread>

#include "core/LatencyModel.hpp"
#include "core/NameTableOption.hpp"

namespace slowio {

namespace {
constexpr auto store_kinds = name_table<StoreKind>({
    {StoreKind::sim, "sim", "embedded SQLite behind a simulated latency"},
    {StoreKind::postgres, "postgres", "PostgreSQL via libpq (--pg); the wait is pg_sleep in the query"},
});

/// The store flags (--store, --pg, --db-pool, --db-acquire-timeout-ms).
void add_store_options(CLI::App& app, ServerOptions& o) {
    store_kinds.add_option(app, "--store", o.store, store_kinds.describe(" | "));
    app.add_option("--pg", o.pg_url,
                   "libpq connection URI for --store postgres (default: libpq's PG* environment)");
    app.add_option("--db-pool", o.db_pool, "Database connections (--store postgres)")
        ->check(CLI::Range(std::size_t{1}, std::size_t{10'000}))
        ->capture_default_str();
    app.add_option("--db-acquire-timeout-ms", o.db_acquire_timeout_ms,
                   "Wait for a free database connection before 503 (--store postgres)")
        ->check(CLI::Range(1, 3'600'000))
        ->capture_default_str();
}
}  // namespace

std::string_view to_string(StoreKind kind) {
    return store_kinds.name(kind);
}

bool postgres_supported() {
#ifdef SLOWIO_HAVE_LIBPQ
    return true;
#else
    return false;
#endif
}

void add_common_options(CLI::App& app, ServerOptions& o) {
    app.add_option("--bind", o.bind, "Address to listen on")->capture_default_str();
    app.add_option("--port", o.port, "TCP port (0 = ephemeral; the bound port is printed on stdout)")
        ->capture_default_str();
    app.add_option("--threads", o.threads, "Worker threads (sync) / io_context threads (async)")
        ->check(CLI::Range(1, 30000))
        ->capture_default_str();
    app.add_option("--store-latency-ms", o.store_latency_ms, "Simulated store latency in ms")
        ->check(CLI::Range(0, 3'600'000))
        ->capture_default_str();
    app.add_option("--store-jitter", o.store_jitter, "Latency jitter: none | uniform:MS | exponential:MS")
        ->capture_default_str();
    app.add_option("--store-seed", o.store_seed,
                   "Seed of the jitter PRNG; 0 = drawn at start (the log line names it)")
        ->capture_default_str();
    app.add_option("--users", o.users, "Rows seeded into the users table")
        ->check(CLI::Range(std::int64_t{1}, std::int64_t{100'000'000}))
        ->capture_default_str();
    app.add_option("--db", o.db_path, "SQLite file to (re)create (default: a temp file removed at exit)");
    app.add_option("--max-connections", o.max_connections, "Open connections beyond this get 503 and close")
        ->check(CLI::Range(std::size_t{1}, std::size_t{1'000'000}))
        ->capture_default_str();
    app.add_option("--header-timeout-ms", o.header_timeout_ms,
                   "A started request must send its full headers within this (slowloris: 408 and close)")
        ->check(CLI::Range(1, 3'600'000))
        ->capture_default_str();
    app.add_option("--keepalive-timeout-ms", o.keepalive_timeout_ms,
                   "Idle keep-alive connections close after this")
        ->check(CLI::Range(1, 86'400'000))
        ->capture_default_str();
    app.add_option("--shutdown-grace-ms", o.shutdown_grace_ms,
                   "Bound on draining in-flight requests at SIGINT/SIGTERM (default: store latency + 1000)")
        ->check(CLI::Range(-1, 3'600'000));
    app.add_option("--job-queue", o.job_queue_capacity, "Capacity of the POST /jobs queue")
        ->check(CLI::Range(std::size_t{1}, std::size_t{10'000'000}))
        ->capture_default_str();
    app.add_option("--job-workers", o.job_workers, "Background threads draining the job queue")
        ->check(CLI::Range(std::size_t{1}, std::size_t{256}))
        ->capture_default_str();
    o.offload_threads = std::max(1u, std::thread::hardware_concurrency());
    app.add_option("--offload-threads", o.offload_threads,
                   "Threads of the --antipattern offload pool (POST /work's Task.Run analogue)")
        ->check(CLI::Range(std::size_t{1}, std::size_t{1024}))
        ->capture_default_str();
    app.add_flag("--drop-abandoned", o.drop_abandoned,
                 "Discard a request whose client left before it was run (queued, or waiting on the store in "
                 "server_async) instead of running it");
    add_store_options(app, o);
    app.add_option("--log-level", o.log_level, "error | warn | info | debug")
        ->check(CLI::IsMember({"error", "warn", "info", "debug"}))
        ->capture_default_str();
}

std::optional<std::string> validate(const ServerOptions& o) {
    std::error_code ec;
    (void)asio::ip::make_address(o.bind, ec);
    if (ec) return "--bind: '" + o.bind + "' is not an IP address";
    try {
        (void)LatencyModel::parse(std::chrono::milliseconds(o.store_latency_ms), o.store_jitter,
                                  o.store_seed);
    } catch (const std::invalid_argument& e) {
        return std::string("--store-jitter: ") + e.what();
    }
    if (o.store == StoreKind::postgres && !postgres_supported())
        return "--store postgres: this build has no libpq (install libpq-dev and rebuild)";
    return std::nullopt;
}

std::optional<int> parse_command_line(CLI::App& app, int argc, char** argv) {
    try {
        app.parse(argc, argv);
    } catch (const CLI::CallForHelp& e) {
        return app.exit(e);
    } catch (const CLI::CallForAllHelp& e) {
        return app.exit(e);
    } catch (const CLI::Success& e) {
        return app.exit(e);
    } catch (const CLI::ParseError& e) {
        // One line, no usage dump: scripts show it as is.
        std::string what = e.what();
        for (char& c : what) {
            if (c == '\n') c = ' ';
        }
        std::cerr << app.get_name() << ": " << what << " (see --help)\n";
        return exit_code::bad_command_line;
    }
    return std::nullopt;
}

}  // namespace slowio
