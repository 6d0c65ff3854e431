/// \file server_sync: the blocking server. Every store call blocks a worker thread for the store latency.

#include <csignal>
#include <cstdio>
#include <exception>
#include <iostream>

#include "Server.hpp"
#include "SyncOptions.hpp"
#include "core/Application.hpp"
#include "core/Log.hpp"
#include "core/ProcessLimits.hpp"
#include "core/ServerOptions.hpp"

int main(int argc, char** argv) {
    using namespace slowio;
    ServerOptions options;
    options.threads = default_sync_threads;
    SyncOptions sync;
    CLI::App cli{
        "server_sync: the blocking server; each store call blocks a worker thread for the store latency",
        "server_sync"};
    add_common_options(cli, options);
    add_sync_options(cli, sync);
    if (const auto code = parse_command_line(cli, argc, argv)) return *code;
    if (const auto bad = validate(options, sync)) {
        std::cerr << "server_sync: " << *bad << " (see --help)\n";
        return exit_code::bad_command_line;
    }
    // Writes to a peer that vanished must fail with EPIPE, not kill the process.
    std::signal(SIGPIPE, SIG_IGN);

    try {
        Application app(options);
        const FileLimit files = raise_nofile_limit();
        log(LogLevel::info, "RLIMIT_NOFILE soft limit raised to the hard limit: {} (hard {})", files.soft,
            files.hard);
        if (files.soft < options.max_connections + 64) {
            log(LogLevel::warn,
                "--max-connections {} exceeds what {} descriptors allow; accepts will fail first",
                options.max_connections, files.soft);
        }
        Server server(options, sync, app);
        if (const std::error_code ec = server.listen()) {
            log(LogLevel::error, "cannot bind {}:{}: {}", options.bind, options.port, ec.message());
            return exit_code::cannot_bind;
        }
        const auto endpoint = server.local_endpoint();
        std::printf("listening on %s:%u\n", endpoint.address().to_string().c_str(),
                    static_cast<unsigned>(endpoint.port()));
        std::fflush(stdout);
        if (sync.pool == "elastic") {
            log(LogLevel::info,
                "model {}, elastic pool {}..{} threads (starvation signal: {}), queue limit {}, store "
                "latency {}",
                sync.model, sync.min_threads, sync.max_threads, sync.starvation_signal, sync.queue_limit,
                app.latency.describe());
        } else {
            log(LogLevel::info, "model {}, fixed pool of {} threads, queue limit {}, store latency {}",
                sync.model, options.threads, sync.queue_limit, app.latency.describe());
        }
        return server.run();
    } catch (const std::exception& e) {
        log(LogLevel::error, "server_sync failed: {}", e.what());
        return 1;
    }
}
