/// \file server_sync: the blocking server. Every store call blocks a worker thread for the store latency.

#include <csignal>
#include <exception>

#include "core/Application.hpp"
#include "core/Log.hpp"
#include "core/ServerOptions.hpp"
#include "core/ServerStartup.hpp"
#include "server_sync/SyncOptions.hpp"
#include "server_sync/SyncServer.hpp"

int main(int argc, char** argv) {
    using namespace slowio;
    ServerOptions options;
    options.threads = sync::default_sync_threads;
    sync::SyncOptions sync_options;
    const ProgramText program{
        "server_sync",
        "server_sync: the blocking server; each store call blocks a worker thread for the store latency"};
    if (const auto code = parse_server_command_line(
            program, argc, argv, options, [&](CLI::App& cli) { sync::add_sync_options(cli, sync_options); },
            [&] { return sync::validate(sync_options); })) {
        return *code;
    }
    // Writes to a peer that vanished must fail with EPIPE, not kill the process.
    std::signal(SIGPIPE, SIG_IGN);

    try {
        Application app(options);
        raise_file_limit(options);
        sync::SyncServer server(options, sync_options, app);
        if (const std::error_code ec = server.listen(listen_endpoint(options))) {
            log(LogLevel::error, "cannot bind {}:{}: {}", options.bind, options.port, ec.message());
            return exit_code::cannot_bind;
        }
        if (sync_options.pool == sync::WorkerPool::Mode::elastic) {
            log(LogLevel::info,
                "model {}, elastic pool {}..{} threads (blocking adjustment {}, hill climbing {}), "
                "antipattern {}, queue {} limit {}{}, store latency {}",
                to_string(sync_options.model), sync_options.min_threads, sync_options.max_threads,
                sync_options.blocking_adjustment ? "on" : "off", sync_options.hill_climbing ? "on" : "off",
                to_string(sync_options.antipattern), to_string(sync_options.queue), sync_options.queue_limit,
                options.drop_abandoned ? " (abandoned dropped)" : "", app.latency.describe());
        } else {
            log(LogLevel::info,
                "model {}, fixed pool of {} threads, antipattern {}, queue {} limit {}{}, store latency {}",
                to_string(sync_options.model), options.threads, to_string(sync_options.antipattern),
                to_string(sync_options.queue), sync_options.queue_limit,
                options.drop_abandoned ? " (abandoned dropped)" : "", app.latency.describe());
        }
        return server.run([&server] { announce_listening(server.local_endpoint()); });
    } catch (const std::exception& e) {
        log(LogLevel::error, "server_sync failed to start: {}", e.what());
        return exit_code::startup_failed;
    }
}
