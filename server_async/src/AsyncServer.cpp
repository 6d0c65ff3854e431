#include "server_async/AsyncServer.hpp"

#include <asio/co_spawn.hpp>
#include <asio/detached.hpp>
#include <asio/experimental/as_tuple.hpp>
#include <asio/post.hpp>
#include <asio/steady_timer.hpp>
#include <asio/strand.hpp>
#include <asio/use_awaitable.hpp>
#include <asio/write.hpp>
#include <thread>
#include <vector>

#include "core/ConnectionRejection.hpp"
#include "core/Listener.hpp"
#include "core/Log.hpp"
#include "core/ServerResponses.hpp"
#include "server_async/CoroutineConnection.hpp"
#include "server_async/UseNothrow.hpp"

namespace slowio::async {

namespace {

std::chrono::nanoseconds deadlock_bound(const LatencyModel& latency) {
    // Longest silence a live loop can show: a blocking store call (≈ L) plus another behind it, plus a
    // second.
    return 2 * latency.mean() + std::chrono::seconds(1);
}

}  // namespace

AsyncServer::AsyncServer(Application& app, const ServerOptions& options, const AsyncOptions& async_options)
    : app_(app),
      options_(options),
      async_options_(async_options),
      connections_(app.metrics, options.max_connections),
      io_(options.threads),
      responder_(app, async_options, options.offload_threads, io_.get_executor()),
      acceptor_executor_(make_executor()),
      acceptor_(acceptor_executor_),
      lag_(io_.get_executor(), app.metrics.enable_eventloop(), heartbeat_),
      watchdog_(Watchdog::Config{deadlock_bound(app.latency), async_options.deadlock_exit,
                                 async_options.status_file, app.shutdown_grace() + std::chrono::seconds(2),
                                 options.db_path.empty() ? app.store.path() : std::filesystem::path(),
                                 fmt::format(" (antipattern {}, {} io thread(s))",
                                             to_string(async_options.antipattern), options.threads)},
                heartbeat_, app.metrics.enable_deadlock_detected(), [this] { request_shutdown(); }) {}

AsyncServer::~AsyncServer() {
    watchdog_.stop();
}

asio::any_io_executor AsyncServer::make_executor() {
    // One thread: no concurrency, so a strand would only add a queue hop per completion.
    if (options_.threads == 1) return io_.get_executor();
    return asio::make_strand(io_);
}

std::error_code AsyncServer::listen(const asio::ip::tcp::endpoint& endpoint) {
    std::error_code ec = open_listener(acceptor_, endpoint);
    // Non-blocking so accept_loop() can drain the backlog with plain accept() calls after each async_accept.
    if (!ec) acceptor_.non_blocking(true, ec);
    return ec;
}

asio::ip::tcp::endpoint AsyncServer::local_endpoint() const {
    std::error_code ignored;
    return acceptor_.local_endpoint(ignored);
}

void AsyncServer::request_shutdown() {
    asio::post(acceptor_executor_, [this] { begin_shutdown(); });
}

int AsyncServer::run() {
    lag_.start();
    asio::co_spawn(acceptor_executor_, accept_loop(), LogCoroutineFailure{"accept loop"});
    watchdog_.start();
    std::vector<std::thread> threads;
    threads.reserve(static_cast<std::size_t>(options_.threads - 1));
    for (int i = 1; i < options_.threads; ++i) threads.emplace_back([this] { run_io(); });
    run_io();
    for (auto& t : threads) t.join();
    watchdog_.stop();
    return drained_.load() ? exit_code::ok : exit_code::drain_expired;
}

void AsyncServer::run_io() {
    for (;;) {
        try {
            io_.run();
            return;
        } catch (const std::exception& e) {
            // A handler threw (our coroutines catch their own; this would be a bug): log and keep serving.
            log(LogLevel::error, "io thread: unhandled exception: {}", e.what());
        }
    }
}

asio::awaitable<void> AsyncServer::accept_loop() {
    for (;;) {
        auto accepted = co_await acceptor_.async_accept(make_executor(), use_nothrow);
        std::error_code ec = std::get<0>(accepted);
        asio::ip::tcp::socket socket = std::move(std::get<1>(accepted));
        if (stopping_) co_return;
        if (ec) {
            // Never co_await inside a condition: GCC 12 miscompiles it (see CoroutineConnection::serve).
            const bool go_on = co_await on_accept_error(ec);
            if (!go_on) co_return;
            continue;
        }
        on_accept(std::move(socket));
        // A storm of connections (wrk opens 10,000 at once) is drained here with plain non-blocking accepts,
        // one scheduler round trip for up to 256 connections instead of one each.
        for (int i = 0; i < 256; ++i) {
            asio::ip::tcp::socket next(make_executor());
            acceptor_.accept(next, ec);
            if (ec == asio::error::would_block || ec == asio::error::try_again) break;
            if (ec) {
                const bool go_on = co_await on_accept_error(ec);
                if (!go_on) co_return;
                break;
            }
            on_accept(std::move(next));
        }
    }
}

asio::awaitable<bool> AsyncServer::on_accept_error(std::error_code ec) {
    if (ec == asio::error::operation_aborted || !acceptor_.is_open()) co_return false;
    accept_errors_.record(ec, connections_.open());
    if (is_out_of_descriptors(ec)) {
        app_.metrics.count_rejected("accept_failed");
        // The pending connection stays in the backlog; retry once some descriptors were freed.
        asio::steady_timer backoff(acceptor_executor_, accept_backoff);
        co_await backoff.async_wait(use_nothrow);
    }
    co_return !stopping_;
}

void AsyncServer::on_accept(asio::ip::tcp::socket socket) {
    if (!connections_.try_reserve()) {
        reject_connection(std::move(socket), too_many_connections_response(options_.max_connections),
                          app_.metrics, "max_connections");
        return;
    }
    const CoroutineConnection::Settings settings{std::chrono::milliseconds(options_.header_timeout_ms),
                                                 std::chrono::milliseconds(options_.keepalive_timeout_ms),
                                                 options_.drop_abandoned};
    std::make_shared<CoroutineConnection>(std::move(socket), responder_, connections_, app_.metrics,
                                          heartbeat_, settings)
        ->start();
}

void AsyncServer::begin_shutdown() {
    if (stopping_) return;
    stopping_ = true;
    log(LogLevel::info, "shutting down: {} connection(s) open; draining in-flight requests for at most {} ms",
        connections_.open(), app_.shutdown_grace().count());
    std::error_code ignored;
    acceptor_.close(ignored);
    connections_.stop_all();
    asio::co_spawn(acceptor_executor_, drain(), LogCoroutineFailure{"drain"});
}

asio::awaitable<void> AsyncServer::drain() {
    // Poll every 10 ms: simpler than a completion signal from the last connection, and the bound is seconds.
    const auto deadline = std::chrono::steady_clock::now() + app_.shutdown_grace();
    asio::steady_timer timer(acceptor_executor_);
    // Every request in flight lives on an open connection, so waiting for the connections waits for the
    // requests too; connections still closing (a lingering close after their last response) are waited for
    // within the same bound, but their responses are written, so they do not make the exit unclean.
    while (connections_.open() > 0 && std::chrono::steady_clock::now() < deadline) {
        timer.expires_after(std::chrono::milliseconds(10));
        co_await timer.async_wait(use_nothrow);
    }
    // The ticker keeps beating the watchdog until here, so a slow drain is not mistaken for a deadlock.
    lag_.stop();
    if (connections_.requests_in_flight() > 0) {
        log(LogLevel::warn,
            "shutdown grace of {} ms expired with {} request(s) in flight on {} connection(s); exiting with "
            "code {} without them",
            app_.shutdown_grace().count(), connections_.requests_in_flight(), connections_.open(),
            exit_code::drain_expired);
        drained_.store(false);
    } else if (connections_.open() > 0) {
        log(LogLevel::info,
            "drained: every request answered; closing {} connection(s) still in lingering close",
            connections_.open());
    } else {
        log(LogLevel::info, "drained; exiting");
    }
    // Not left to the io_context running out of work: a rejected connection's lingering close may still be
    // pending, and with the lag ticker stopped the watchdog would take the silence for a deadlock.
    io_.stop();
}

}  // namespace slowio::async
