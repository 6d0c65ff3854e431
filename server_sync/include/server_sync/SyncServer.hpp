#pragma once
/// \file server_sync's listener: accepts connections on the I/O thread, hands them to the chosen model,
/// enforces --max-connections, and runs the graceful shutdown.

#include <asio/io_context.hpp>
#include <asio/ip/tcp.hpp>
#include <asio/signal_set.hpp>
#include <asio/steady_timer.hpp>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <system_error>

#include "core/AcceptErrorLog.hpp"
#include "core/Application.hpp"
#include "core/ServerOptions.hpp"
#include "server_sync/ConnectionItem.hpp"
#include "server_sync/ConnectionManager.hpp"
#include "server_sync/SendQueues.hpp"
#include "server_sync/ServerContext.hpp"
#include "server_sync/SyncOptions.hpp"
#include "server_sync/WorkerPool.hpp"

namespace slowio::sync {

/// The blocking server: one I/O thread (the caller of run()) plus the WorkerPool.
class SyncServer {
  public:
    /// Starts the worker pool (threads exist before the first connection). Throws std::runtime_error if no
    /// worker thread can be started or the stop eventfd cannot be created.
    SyncServer(const ServerOptions& options, const SyncOptions& sync, Application& app);
    ~SyncServer();
    SyncServer(const SyncServer&) = delete;
    SyncServer& operator=(const SyncServer&) = delete;

    /// Binds and listens on `endpoint` (core's open_listener). The error is returned, not thrown: the caller
    /// exits with exit_code::cannot_bind.
    std::error_code listen(const asio::ip::tcp::endpoint& endpoint);
    /// The bound endpoint (the real port when --port 0).
    asio::ip::tcp::endpoint local_endpoint() const;
    /// Serves until SIGINT/SIGTERM and drains in-flight requests (bounded by Application::shutdown_grace()).
    /// `ready` (the listening line) runs on the I/O thread once the server serves: at once, or with
    /// --start-up-items / --warm-up after those items ran and the warm-up requests were answered.
    /// The exit code is exit_code::ok when every request in flight was answered, exit_code::drain_expired
    /// when some were lost (logged), exit_code::deadlock when the pool had deadlocked (sync-over-async).
    /// Returns it when the workers could be joined; otherwise (workers still blocked in the store, or
    /// lingering on a closing connection) exits the process with it.
    int run(std::function<void()> ready);

  private:
    /// --start-up-items: each group of empty items through the pool at its time, waited for (on the warm-up
    /// thread).
    void run_start_up_items();
    void do_accept();
    /// --socket-engine: waits for the listener to be readable, then posts the accept loop as an engine event.
    void wait_for_pending_connections();
    /// --socket-engine, on a worker inside an engine item: accepts every connection pending in the kernel's
    /// backlog (Kestrel's accept loop), queues each one's ConnectionItem and hands it to the I/O thread.
    void accept_pending_connections();
    /// --accept-work-us: waits on the CPU until that long after `began` (the accept's start).
    void spend_accept_work(std::chrono::steady_clock::time_point began) const;
    /// The I/O thread's side of accept_pending_connections: `fd` becomes a socket, then on_accepted.
    void adopt_accepted(int fd, const std::shared_ptr<ConnectionItem>& item);
    void on_accept_error(const std::error_code& ec);
    /// `item`: the connection's ConnectionItem (--socket-engine), else null.
    void on_accepted(asio::ip::tcp::socket socket, const std::shared_ptr<ConnectionItem>& item = nullptr);
    void wait_signal();
    void begin_shutdown();
    void check_drained();
    void watch_for_deadlock();
    [[noreturn]] void exit_without_joining(int code);

    const ServerOptions& options_;
    const SyncOptions& sync_;
    Application& app_;
    // Declared before the pool: a pool task may post to io_ until the pool is joined in run().
    asio::io_context io_{1};
    ServerContext context_;
    ConnectionManager manager_;
    asio::signal_set signals_;
    asio::ip::tcp::acceptor acceptor_;
    /// --socket-engine: held by a worker while it accepts on the listener's descriptor and by begin_shutdown
    /// while it closes it, so the descriptor is never used after its close.
    std::mutex accept_mutex_;
    /// --socket-engine: the listener's protocol, read once in run(), for the descriptors accepted off the I/O
    /// thread.
    asio::ip::tcp listener_protocol_ = asio::ip::tcp::v4();
    asio::steady_timer accept_retry_;
    asio::steady_timer drain_timer_;
    asio::steady_timer deadlock_timer_;  ///< sync-over-async: polls WorkerPool::deadlocked()
    bool deadlock_detected_ = false;
    std::chrono::steady_clock::time_point drain_deadline_{};
    AcceptErrorLog accept_errors_;
    /// --io-on-pool's IOQueues; declared before the pool: its drain items hold references into it until the
    /// pool is joined.
    std::unique_ptr<SendQueues> send_queues_;
    /// --socket-engine's engine; declared before the pool for the same reason.
    std::unique_ptr<SocketEngine> socket_engine_;
    WorkerPool pool_;  ///< last member: destroyed (joined) first
};

}  // namespace slowio::sync
