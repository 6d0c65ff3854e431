#pragma once
/// \file server_sync's listener: accepts connections on the I/O thread, hands them to the chosen model,
/// enforces --max-connections, and runs the graceful shutdown.

#include <asio/io_context.hpp>
#include <asio/ip/tcp.hpp>
#include <asio/signal_set.hpp>
#include <asio/steady_timer.hpp>
#include <chrono>
#include <cstdint>
#include <system_error>

#include "ConnectionManager.hpp"
#include "ServerContext.hpp"
#include "SyncOptions.hpp"
#include "WorkerPool.hpp"
#include "core/Application.hpp"
#include "core/ServerOptions.hpp"

namespace slowio {

/// The blocking server: one I/O thread (the caller of run()) plus the WorkerPool.
class Server {
  public:
    /// Starts the worker pool (threads exist before the first connection). Throws std::runtime_error if no
    /// worker thread can be started or the stop eventfd cannot be created.
    Server(const ServerOptions& options, const SyncOptions& sync, Application& app);
    ~Server();
    Server(const Server&) = delete;
    Server& operator=(const Server&) = delete;

    /// Binds and listens on --bind:--port with a large backlog. The error is returned, not thrown: the caller
    /// exits with exit_code::cannot_bind.
    std::error_code listen();
    /// The bound endpoint (the real port when --port 0).
    asio::ip::tcp::endpoint local_endpoint() const;
    /// Serves until SIGINT/SIGTERM, drains in-flight requests (bounded by Application::shutdown_grace()), and
    /// returns the exit code (0). If the grace period runs out, logs what was abandoned and exits the
    /// process.
    int run();

  private:
    void do_accept();
    void on_accept_error(const std::error_code& ec);
    void on_accepted(asio::ip::tcp::socket socket);
    void reject(asio::ip::tcp::socket socket, std::string_view why, std::string_view reason);
    void wait_signal();
    void begin_shutdown();
    void check_drained();

    const ServerOptions& options_;
    const SyncOptions& sync_;
    Application& app_;
    // Declared before the pool: a pool task may post to io_ until the pool is joined in run().
    asio::io_context io_{1};
    ServerContext context_;
    ConnectionManager manager_;
    asio::signal_set signals_;
    asio::ip::tcp::acceptor acceptor_;
    asio::steady_timer accept_retry_;
    asio::steady_timer drain_timer_;
    std::chrono::steady_clock::time_point drain_deadline_{};
    std::chrono::steady_clock::time_point last_fd_warning_{};
    std::uint64_t fd_failures_ = 0;  ///< accept failures for lack of descriptors since the last warning
    bool drained_ = false;
    WorkerPool pool_;  ///< last member: destroyed (joined) first
};

}  // namespace slowio
