#pragma once
/// \file The flags only server_async has: which anti-pattern to demonstrate, the offload pool, and how a
/// detected deadlock is reported. The common flags are core's ServerOptions.

#include <cstddef>
#include <string>
#include <string_view>

namespace CLI {
class App;
}  // namespace CLI

namespace slowio::async {

/// How a request's slow part is performed. `none` is the correct async server; the others are the
/// anti-patterns, each a measurable demonstration (see server_async/README.md). server_sync's Antipattern
/// uses the same names for the same mistakes.
enum class Antipattern {
    none,             ///< store call awaited (timer), POST /work inline on the io thread
    blocking_store,   ///< fetch_blocking() on the io thread: a blocking call hidden in async code
    sync_over_async,  ///< start fetch_async, then block on future.get() (C#'s .Result): deadlocks with K = 1
    offload,          ///< POST /work awaited on a separate thread pool (C#'s Task.Run in a controller)
};

/// "none" / "blocking-store" / "sync-over-async" / "offload".
std::string_view to_string(Antipattern antipattern);

/// server_async-specific options.
struct AsyncOptions {
    Antipattern antipattern = Antipattern::none;
    bool deadlock_exit = false;  ///< exit with exit_code::deadlock once the watchdog detects one
    std::string status_file;     ///< watchdog status ("deadlock_detected 0|1"); empty: none
};

/// Adds the server_async-only flags (grouped under a "server_async only" heading in --help).
void add_async_options(CLI::App& app, AsyncOptions& options);

}  // namespace slowio::async
