#include "server_async/AsyncOptions.hpp"

#include "core/NameTableOption.hpp"

namespace slowio::async {

namespace {

constexpr auto antipatterns = name_table<Antipattern>({
    {Antipattern::none, "none", "await the store (correct)"},
    {Antipattern::blocking_store, "blocking-store", "fetch_blocking on the io thread"},
    {Antipattern::sync_over_async, "sync-over-async",
     "block on a future of the async call (deadlocks with --threads 1)"},
    {Antipattern::offload, "offload", "POST /work awaited on a separate thread pool"},
});

}  // namespace

std::string_view to_string(Antipattern antipattern) {
    return antipatterns.name(antipattern);
}

void add_async_options(CLI::App& app, AsyncOptions& o) {
    // One heading in --help so it is obvious these flags do not exist in server_sync.
    const std::string group = "server_async only";
    antipatterns.add_option(app, "--antipattern", o.antipattern, antipatterns.describe("; "))->group(group);
    app.add_flag("--deadlock-exit", o.deadlock_exit,
                 "Exit with code 4 once the watchdog detects a stuck event loop (sweeps record 'deadlock')")
        ->group(group);
    app.add_option("--status-file", o.status_file,
                   "Watchdog writes 'deadlock_detected 0|1' here (observable while the loop is stuck)")
        ->group(group);
}

}  // namespace slowio::async
