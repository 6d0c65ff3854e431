#include "server_async/AsyncOptions.hpp"

#include <map>
#include <thread>

namespace slowio::async {

std::string_view to_string(Antipattern antipattern) {
    switch (antipattern) {
        case Antipattern::none:
            return "none";
        case Antipattern::blocking_store:
            return "blocking-store";
        case Antipattern::sync_over_async:
            return "sync-over-async";
        case Antipattern::offload:
            return "offload";
    }
    return "unknown";
}

void add_async_options(CLI::App& app, AsyncOptions& o) {
    // One heading in --help so it is obvious these flags do not exist in server_sync.
    const std::string group = "server_async only";
    static const std::map<std::string, Antipattern> names{{"none", Antipattern::none},
                                                          {"blocking-store", Antipattern::blocking_store},
                                                          {"sync-over-async", Antipattern::sync_over_async},
                                                          {"offload", Antipattern::offload}};
    app.add_option_function<std::string>(
           "--antipattern", [&o](const std::string& name) { o.antipattern = names.at(name); },
           "none: await the store (correct); blocking-store: fetch_blocking on the io thread; "
           "sync-over-async: block on a future of the async call (deadlocks with --threads 1); "
           "offload: POST /work awaited on a separate thread pool")
        ->check(CLI::IsMember({"none", "blocking-store", "sync-over-async", "offload"}))
        ->default_str("none")
        ->group(group);
    app.add_flag("--deadlock-exit", o.deadlock_exit,
                 "Exit with code 4 once the watchdog detects a stuck event loop (sweeps record 'deadlock')")
        ->group(group);
    app.add_option("--status-file", o.status_file,
                   "Watchdog writes 'deadlock_detected 0|1' here (observable while the loop is stuck)")
        ->group(group);
}

}  // namespace slowio::async
