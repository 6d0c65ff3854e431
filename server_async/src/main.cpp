/// server_async: core's routes served by Asio C++20 coroutines. The store call is awaited (a timer), so an
/// io thread serves other connections while a request waits; idle and waiting connections cost a coroutine
/// frame and a small buffer, not a thread. `--antipattern` switches on the mistakes the suite measures.

#include <exception>
#include <memory>

#include "core/Application.hpp"
#include "core/Log.hpp"
#include "core/ServerOptions.hpp"
#include "core/ServerStartup.hpp"
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
    const ProgramText program{
        "server_async",
        "server_async: the async server — Asio C++20 coroutines on an io_context run by "
        "--threads threads; the store call is awaited, not blocked on."};
    if (const auto code = parse_server_command_line(program, argc, argv, options, [&](CLI::App& cli) {
            async::add_async_options(cli, async_options);
        })) {
        return *code;
    }

    std::unique_ptr<Application> app;
    try {
        app = std::make_unique<Application>(options);
    } catch (const std::exception& e) {
        log(LogLevel::error, "server_async failed to start: {}", e.what());
        return exit_code::startup_failed;
    }
    raise_file_limit(options);

    async::AsyncServer server(*app, options, async_options);
    if (const auto bind_error = server.listen(listen_endpoint(options))) {
        log(LogLevel::error, "cannot bind {}:{}: {}", options.bind, options.port, bind_error.message());
        return exit_code::cannot_bind;
    }
    announce_listening(server.local_endpoint());
    log(LogLevel::info,
        "server_async: {} io thread(s), store latency {}, antipattern {}, max connections {}, header timeout "
        "{} ms, keep-alive timeout {} ms",
        options.threads, app->latency.describe(), to_string(async_options.antipattern),
        options.max_connections, options.header_timeout_ms, options.keepalive_timeout_ms);

    return server.run();
}
