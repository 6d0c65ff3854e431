#include "server_sync/SyncServer.hpp"

#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <filesystem>
#include <latch>
#include <stdexcept>
#include <thread>

#include "core/ConnectionRejection.hpp"
#include "core/Listener.hpp"
#include "core/Log.hpp"
#include "core/ServerResponses.hpp"
#include "core/WarmUpRequests.hpp"
#include "server_sync/DedicatedThreadConnection.hpp"
#include "server_sync/PoolConnection.hpp"

namespace slowio::sync {

SyncServer::SyncServer(const ServerOptions& options, const SyncOptions& sync, Application& app)
    : options_(options),
      sync_(sync),
      app_(app),
      context_{
          app,
          options,
          pool_,
          io_,
          -1,
          nullptr,
          nullptr,
          Responder(app, sync.antipattern, options.offload_threads, pool_, io_),
      },
      signals_(io_, SIGINT, SIGTERM),
      acceptor_(io_),
      accept_retry_(io_),
      drain_timer_(io_),
      deadlock_timer_(io_),
      pool_(make_pool_options(options, sync, &app.metrics.enable_threadpool())) {
    if (sync.io_on_pool) {
        const auto queues =
            sync.io_queues > 0 ? static_cast<std::size_t>(sync.io_queues) : SendQueues::default_count();
        send_queues_ = std::make_unique<SendQueues>(pool_, queues);
        context_.send_queues = send_queues_.get();
    }
    if (sync.socket_engine) {
        socket_engine_ = std::make_unique<SocketEngine>(pool_);
        context_.socket_engine = socket_engine_.get();
    }
    context_.stop_event = ::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
    if (context_.stop_event < 0) throw std::runtime_error("eventfd failed");
}

void SyncServer::run_start_up_items() {
    // Each group queued at once at its time and waited for, so that it is done (and counted) before the next
    // group and before the warm-up's requests.
    const auto& groups = sync_.start_up_items.groups;
    if (groups.empty()) return;
    const auto start = std::chrono::steady_clock::now();
    const int first_ms_before = groups.front().ms_before;
    for (const auto& group : groups) {
        std::this_thread::sleep_until(start + std::chrono::milliseconds(first_ms_before - group.ms_before));
        std::latch done(group.count);
        for (int i = 0; i < group.count; ++i) {
            if (!pool_.try_submit([&done] { done.count_down(); })) done.count_down();
        }
        done.wait();
    }
    // The last group's time is the warm-up's start.
    std::this_thread::sleep_until(start + std::chrono::milliseconds(first_ms_before));
}

SyncServer::~SyncServer() {
    if (context_.stop_event >= 0) ::close(context_.stop_event);
}

std::error_code SyncServer::listen(const asio::ip::tcp::endpoint& endpoint) {
    return open_listener(acceptor_, endpoint);
}

asio::ip::tcp::endpoint SyncServer::local_endpoint() const {
    std::error_code ec;
    return acceptor_.local_endpoint(ec);
}

int SyncServer::run(std::function<void()> ready) {
    wait_signal();
    if (socket_engine_ != nullptr) {
        // accept_pending_connections accepts until the backlog is empty: the descriptor must not block.
        std::error_code ec;
        acceptor_.native_non_blocking(true, ec);
        if (ec) throw std::runtime_error("cannot make the listener non-blocking: " + ec.message());
        listener_protocol_ = local_endpoint().protocol();
    }
    do_accept();
    if (sync_.antipattern == Antipattern::sync_over_async) {
        app_.metrics.enable_deadlock_detected().Set(0);
        watch_for_deadlock();
    }
    // --start-up-items and --warm-up: a client thread runs .NET's start-up items (those our warm-up does not
    // make) through the pool, then sends the ASP.NET Core target's start-up requests through this server while
    // the loop below serves them, then hands `ready` to the loop. Its endpoint is read here: the acceptor
    // belongs to the I/O thread.
    std::thread warm_up;
    if (sync_.warm_up || sync_.start_up_items.total() > 0) {
        warm_up = std::thread([this, endpoint = local_endpoint(), ready = std::move(ready)] {
            run_start_up_items();
            const auto failed = sync_.warm_up ? send_warm_up_requests(endpoint) : std::nullopt;
            if (failed) log(LogLevel::warn, "{}", *failed);
            asio::post(io_, ready);
        });
    } else {
        ready();
    }
    io_.run();
    if (warm_up.joinable()) warm_up.join();

    // io_ stopped: everything in flight was answered, or the grace period ran out. Requests still in flight
    // now are lost: their responses can no longer be written. In thread-per-connection a queued work item is
    // a whole connection whose request (if it sent one) was never read: counted as lost too.
    const bool joined = pool_.shutdown(drain_deadline_);
    const std::size_t queued = sync_.model == Model::thread_per_connection ? pool_.queued() : 0;
    const std::size_t lost = context_.in_flight.load() + queued;
    const int code = deadlock_detected_ ? exit_code::deadlock
                     : lost > 0         ? exit_code::drain_expired
                                        : exit_code::ok;
    if (lost > 0) {
        log(LogLevel::warn,
            "shutdown grace of {} ms expired with {} requests in flight and {} queued; exiting with code {} "
            "without them",
            app_.shutdown_grace().count(), context_.in_flight.load(), pool_.queued(), code);
    }
    if (!joined) {
        if (lost == 0) {
            log(LogLevel::info,
                "drained: every request answered; connection threads still in lingering close");
        }
        // Workers are still blocked (in the store, or lingering on a closing connection): the orderly
        // teardown would wait for them, so skip it.
        exit_without_joining(code);
    }
    manager_.close_all();
    // Run the completion handlers of the sockets just closed, so no connection outlives the I/O loop.
    io_.restart();
    io_.poll();
    if (code == exit_code::ok)
        log(LogLevel::info, "shutdown complete: {} work items completed", pool_.completed());
    return code;
}

void SyncServer::exit_without_joining(int code) {
    // The temp database is the one thing the destructors would have cleaned up.
    if (options_.db_path.empty()) {
        std::error_code ignored;
        std::filesystem::remove(app_.store.path(), ignored);
    }
    std::fflush(nullptr);
    std::_Exit(code);
}

void SyncServer::watch_for_deadlock() {
    // The I/O thread never blocks in this server, so it can watch the pool itself (server_async needs a
    // thread outside its loop for the same job). 100 ms: detection is prompt and the check costs one lock.
    deadlock_timer_.expires_after(std::chrono::milliseconds(100));
    deadlock_timer_.async_wait([this](std::error_code ec) {
        if (ec) return;
        if (!deadlock_detected_ && pool_.deadlocked()) {
            deadlock_detected_ = true;
            app_.metrics.enable_deadlock_detected().Set(1);
            log(LogLevel::error,
                "deadlock detected: all {} worker threads are blocked on store completions queued to this "
                "same "
                "pool, and the pool cannot add a thread ({} pool, antipattern sync-over-async)",
                pool_.threads(), to_string(sync_.pool));
            if (sync_.deadlock_exit) {
                log(LogLevel::error, "--deadlock-exit: exiting with code {}", exit_code::deadlock);
                exit_without_joining(exit_code::deadlock);  // the workers are blocked forever
            }
        }
        watch_for_deadlock();
    });
}

void SyncServer::do_accept() {
    if (socket_engine_ != nullptr) {
        wait_for_pending_connections();
        return;
    }
    acceptor_.async_accept([this](std::error_code ec, asio::ip::tcp::socket socket) {
        if (context_.stopping) return;
        if (ec) {
            on_accept_error(ec);
            return;
        }
        on_accepted(std::move(socket));
        do_accept();
    });
}

void SyncServer::wait_for_pending_connections() {
    // Kestrel's accept loop runs on the thread pool: a connection waits in the kernel's backlog until an engine
    // item runs the loop, which accepts every pending one synchronously (queuing each as a KestrelConnection
    // item), then waits asynchronously: the next arrival is one more engine event. So a burst of C clients is
    // accepted in one go when the loop runs, and when its engine item waits behind a backlog, so do they.
    acceptor_.async_wait(asio::socket_base::wait_read, [this](std::error_code ec) {
        if (context_.stopping) return;
        if (ec) {
            on_accept_error(ec);
            return;
        }
        socket_engine_->post([this] { accept_pending_connections(); });
    });
}

void SyncServer::accept_pending_connections() {
    // Only the listener's descriptor is used off the I/O thread (non-blocking: see run()), and only under the
    // lock begin_shutdown closes it under. A client that reset before its accept is skipped, as accept loops do.
    std::error_code error;
    {
        std::lock_guard lock(accept_mutex_);
        while (!context_.stopping) {
            const auto began = std::chrono::steady_clock::now();
            const int fd = ::accept4(acceptor_.native_handle(), nullptr, nullptr, SOCK_CLOEXEC);
            if (fd >= 0) {
                // Kestrel's loop starts the connection's receive loop (whose first receive takes what is in
                // the socket now) and queues the connection's item as it accepts.
                auto item = std::make_shared<ConnectionItem>(bytes_waiting(fd));
                asio::post(io_, [this, fd, item] { adopt_accepted(fd, item); });
                if (!pool_.try_submit([item] { item->run(); })) item->refused();
                spend_accept_work(began);
                continue;
            }
            if (errno == EINTR || errno == ECONNABORTED) continue;
            if (errno != EAGAIN && errno != EWOULDBLOCK) error = std::error_code(errno, std::system_category());
            break;
        }
    }
    asio::post(io_, [this, error] {
        if (context_.stopping) return;
        if (error) {
            on_accept_error(error);
        } else {
            wait_for_pending_connections();
        }
    });
}

void SyncServer::spend_accept_work(std::chrono::steady_clock::time_point began) const {
    // Busy, not asleep: Kestrel's loop spends this on the CPU (wall time measured on the runtime, so the
    // other threads that preempt it on a shared core are inside it, as they were there).
    const auto until = began + std::chrono::microseconds(sync_.accept_work_us);
    while (std::chrono::steady_clock::now() < until) {
    }
}

void SyncServer::adopt_accepted(int fd, const std::shared_ptr<ConnectionItem>& item) {
    asio::ip::tcp::socket socket(io_);
    std::error_code ec;
    socket.assign(listener_protocol_, fd, ec);
    if (ec) {
        item->expect_none();
        ::close(fd);
        log(LogLevel::warn, "an accepted connection could not be adopted: {}", ec.message());
        return;
    }
    if (context_.stopping) {  // the socket closes here, as a connection accepted during shutdown
        item->expect_none();
        return;
    }
    on_accepted(std::move(socket), item);
}

void SyncServer::on_accept_error(const std::error_code& ec) {
    if (ec == asio::error::operation_aborted) return;
    accept_errors_.record(ec, context_.connections.load());
    if (!is_out_of_descriptors(ec)) {
        do_accept();
        return;
    }
    app_.metrics.count_rejected("accept_failed");
    accept_retry_.expires_after(accept_backoff);
    accept_retry_.async_wait([this](std::error_code wait_ec) {
        if (!wait_ec && !context_.stopping) do_accept();
    });
}

void SyncServer::on_accepted(asio::ip::tcp::socket socket, const std::shared_ptr<ConnectionItem>& item) {
    std::error_code ignored;
    socket.set_option(asio::ip::tcp::no_delay(true), ignored);
    if (context_.connections >= options_.max_connections) {
        if (item != nullptr) item->expect_none();
        reject_connection(std::move(socket), too_many_connections_response(options_.max_connections),
                          app_.metrics, "max_connections");
        return;
    }
    if (sync_.model == Model::pool) {
        manager_.start(std::make_shared<PoolConnection>(std::move(socket), context_, manager_, item));
        return;
    }
    auto connection = std::make_shared<DedicatedThreadConnection>(std::move(socket), context_);
    if (!pool_.try_submit([connection] { connection->serve(); })) {
        reject_connection(connection->release_socket(), connection_queue_full_response(), app_.metrics,
                          "queue_full");
    }
}

void SyncServer::wait_signal() {
    signals_.async_wait([this](std::error_code ec, int signal) {
        if (ec) return;
        if (context_.stopping) {
            log(LogLevel::info, "signal {} during shutdown: still draining", signal);
        } else {
            log(LogLevel::info, "signal {}: stop accepting, draining {} in-flight requests (grace {} ms)",
                signal, context_.in_flight.load(), app_.shutdown_grace().count());
            begin_shutdown();
        }
        wait_signal();
    });
}

void SyncServer::begin_shutdown() {
    context_.stopping = true;
    std::error_code ignored;
    {
        std::lock_guard lock(accept_mutex_);
        acceptor_.close(ignored);
    }
    accept_retry_.cancel();
    // Wakes every thread-per-connection thread parked on an idle connection (the eventfd stays readable).
    const std::uint64_t one = 1;
    [[maybe_unused]] const auto written = ::write(context_.stop_event, &one, sizeof one);
    manager_.stop_all();
    drain_deadline_ = std::chrono::steady_clock::now() + app_.shutdown_grace();
    check_drained();
}

void SyncServer::check_drained() {
    if (context_.in_flight == 0) {
        signals_.cancel();
        deadlock_timer_.cancel();
        io_.stop();
        return;
    }
    if (std::chrono::steady_clock::now() >= drain_deadline_ || deadlock_detected_) {
        io_.stop();
        return;
    }
    drain_timer_.expires_after(std::chrono::milliseconds(10));
    drain_timer_.async_wait([this](std::error_code ec) {
        if (!ec) check_drained();
    });
}

}  // namespace slowio::sync
