/// server_async: core's routes served by Asio C++20 coroutines. The store call is awaited (a timer), so an
/// io thread serves other connections while a request waits; idle and waiting connections cost a coroutine
/// frame and a small buffer, not a thread. `--antipattern` switches on the mistakes the suite measures.

#include <cstdio>
#include <memory>

#include "core/Application.hpp"
#include "core/Log.hpp"
#include "core/ProcessLimits.hpp"
#include "core/ServerOptions.hpp"
#include "server_async/AsyncOptions.hpp"
#include "server_async/AsyncServer.hpp"
#include "server_async/Watchdog.hpp"

int main(int argc, char** argv) {
    using namespace slowio;
    // Before any thread exists (JobQueue workers, io threads, the offload pool): they all inherit the mask,
    // so SIGINT/SIGTERM reach only the watchdog's sigtimedwait — which works even when the loop is stuck.
    async::Watchdog::block_signals();

    ServerOptions options;
    options.threads = 1;  // async default: one io thread
    async::AsyncOptions async_options;
    CLI::App cli{
        "server_async: the async server — Asio C++20 coroutines on an io_context run by --threads "
        "threads; the store call is awaited, not blocked on.",
        "server_async"};
    add_common_options(cli, options);
    async::add_async_options(cli, async_options);
    if (auto code = parse_command_line(cli, argc, argv)) return *code;

    std::error_code ec;
    const auto address = asio::ip::make_address(options.bind, ec);
    if (ec) {
        std::fprintf(stderr, "server_async: --bind %s is not an IP address (see --help)\n",
                     options.bind.c_str());
        return exit_code::bad_command_line;
    }
    set_log_level(parse_log_level(options.log_level));

    const FileLimit files = raise_nofile_limit();
    log(LogLevel::info, "open files limit: soft {} hard {} (each connection takes one)", files.soft,
        files.hard);
    if (files.soft < options.max_connections + 64) {
        log(LogLevel::warn,
            "--max-connections {} exceeds what the open-files limit {} allows; accept will hit "
            "EMFILE first",
            options.max_connections, files.soft);
    }

    std::unique_ptr<Application> app;
    try {
        app = std::make_unique<Application>(options);
    } catch (const std::invalid_argument& e) {
        std::fprintf(stderr, "server_async: %s (see --help)\n", e.what());
        return exit_code::bad_command_line;
    } catch (const std::exception& e) {
        log(LogLevel::error, "startup failed: {}", e.what());
        return 1;
    }

    async::AsyncServer server(*app, options, async_options);
    if (const auto bind_error = server.listen(asio::ip::tcp::endpoint(address, options.port))) {
        log(LogLevel::error, "cannot bind {}:{}: {}", options.bind, options.port, bind_error.message());
        return exit_code::cannot_bind;
    }
    const auto endpoint = server.local_endpoint();
    // The contract's first stdout line; scripts and tests wait for it.
    std::printf("listening on %s:%u\n", endpoint.address().to_string().c_str(), endpoint.port());
    std::fflush(stdout);
    log(LogLevel::info,
        "server_async: {} io thread(s), store latency {}, antipattern {}, max connections {}, header timeout "
        "{} ms, "
        "keep-alive timeout {} ms",
        options.threads, app->latency.describe(), to_string(async_options.antipattern),
        options.max_connections, options.header_timeout_ms, options.keepalive_timeout_ms);

    return server.run();
}
