#pragma once
/// \file The async server: an io_context run by K threads, an acceptor, one coroutine per connection.

#include <asio/awaitable.hpp>
#include <asio/io_context.hpp>
#include <asio/ip/tcp.hpp>
#include <atomic>
#include <chrono>
#include <system_error>

#include "core/AcceptErrorLog.hpp"
#include "core/Application.hpp"
#include "core/ServerOptions.hpp"
#include "server_async/AsyncOptions.hpp"
#include "server_async/ConnectionManager.hpp"
#include "server_async/Heartbeat.hpp"
#include "server_async/LagMonitor.hpp"
#include "server_async/Responder.hpp"
#include "server_async/Watchdog.hpp"

namespace slowio::async {

/// Owns the io_context and everything that runs on it.
///
/// Threads: `--threads K` threads call io_context::run() (the calling thread is one of them); the watchdog
/// thread sits outside. With K = 1 every coroutine runs on the io_context's executor directly; with K > 1
/// each connection (and the acceptor) gets its own strand so its coroutines never run concurrently, while the
/// lag ticker and sync-over-async's store calls use the bare io_context so any free thread can run them.
///
/// Shutdown (SIGINT/SIGTERM, taken by the watchdog): stop accepting, close idle connections, let in-flight
/// requests finish (answered with `Connection: close`), bounded by Application::shutdown_grace(); then run()
/// returns exit_code::ok, or exit_code::drain_expired if the bound forced connections closed.
class AsyncServer {
  public:
    /// All references must outlive the server.
    AsyncServer(Application& app, const ServerOptions& options, const AsyncOptions& async_options);
    ~AsyncServer();
    AsyncServer(const AsyncServer&) = delete;
    AsyncServer& operator=(const AsyncServer&) = delete;

    /// Opens, binds and listens (core's open_listener), non-blocking for the accept loop's batches.
    std::error_code listen(const asio::ip::tcp::endpoint& endpoint);
    /// The bound address (after listen()).
    asio::ip::tcp::endpoint local_endpoint() const;
    /// Serves until shutdown; returns the process exit code (exit_code::ok drained, exit_code::drain_expired
    /// when the drain bound was exceeded).
    int run();
    /// Starts the graceful shutdown. Thread-safe (posts to the acceptor's executor).
    void request_shutdown();

  private:
    asio::any_io_executor make_executor();
    asio::awaitable<void> accept_loop();
    asio::awaitable<bool> on_accept_error(std::error_code ec);
    void on_accept(asio::ip::tcp::socket socket);
    void begin_shutdown();
    asio::awaitable<void> drain();
    void run_io();

    Application& app_;
    const ServerOptions& options_;
    const AsyncOptions& async_options_;
    Heartbeat heartbeat_;
    ConnectionManager connections_;
    // Everything that lives on the io_context is declared after the things its pending coroutines reference
    // (manager, metrics, heartbeat), so destroying the io_context — which destroys never-resumed coroutine
    // frames and with them their Connections — happens while those are still alive.
    asio::io_context io_;
    Responder responder_;
    asio::any_io_executor acceptor_executor_;
    asio::ip::tcp::acceptor acceptor_;
    LagMonitor lag_;
    Watchdog watchdog_;
    bool stopping_ = false;  ///< touched only on acceptor_executor_
    std::atomic<bool> drained_{true};
    AcceptErrorLog accept_errors_;  ///< touched only on acceptor_executor_
};

}  // namespace slowio::async
