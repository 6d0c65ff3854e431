#include "Server.hpp"

#include <sys/eventfd.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <stdexcept>

#include "BlockingConnection.hpp"
#include "Connection.hpp"
#include "Rejection.hpp"
#include "core/Log.hpp"
#include "core/ProcessLimits.hpp"

namespace slowio {

namespace {

/// Requested listen backlog. Linux silently caps it at net.core.somaxconn; asking high lets thousands of
/// clients connect at once (C = 4096..10000) without SYN retries while the single I/O thread accepts.
constexpr int listen_backlog = 65535;

int somaxconn() {
    std::ifstream f("/proc/sys/net/core/somaxconn");
    int v = 0;
    return (f >> v) ? v : -1;
}

bool out_of_descriptors(const std::error_code& ec) {
    // Compares raw errno values of the system category: comparing an error_code with std::errc goes through a
    // virtual error_category::equivalent() call that UBSan's vptr check flags across the libstdc++ boundary.
    // Asio reports errno values under its own system category, not std::system_category().
    if (ec.category() != asio::error::get_system_category() && ec.category() != std::system_category())
        return false;
    const int v = ec.value();
    return v == EMFILE || v == ENFILE || v == ENOBUFS || v == ENOMEM;
}

}  // namespace

Server::Server(const ServerOptions& options, const SyncOptions& sync, Application& app)
    : options_(options),
      sync_(sync),
      app_(app),
      context_{app, options, pool_, io_},
      signals_(io_, SIGINT, SIGTERM),
      acceptor_(io_),
      accept_retry_(io_),
      drain_timer_(io_),
      pool_(make_pool_options(options, sync, &app.metrics.enable_threadpool())) {
    context_.stop_event = ::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
    if (context_.stop_event < 0) throw std::runtime_error("eventfd failed");
}

Server::~Server() {
    if (context_.stop_event >= 0) ::close(context_.stop_event);
}

std::error_code Server::listen() {
    std::error_code ec;
    const asio::ip::tcp::endpoint endpoint(asio::ip::make_address(options_.bind, ec), options_.port);
    if (ec) return ec;
    acceptor_.open(endpoint.protocol(), ec);
    if (ec) return ec;
    acceptor_.set_option(asio::socket_base::reuse_address(true), ec);
    if (ec) return ec;
    acceptor_.bind(endpoint, ec);
    if (ec) return ec;
    acceptor_.listen(listen_backlog, ec);
    if (ec) return ec;
    log(LogLevel::info, "listen backlog {} requested (the kernel caps it at net.core.somaxconn = {})",
        listen_backlog, somaxconn());
    return {};
}

asio::ip::tcp::endpoint Server::local_endpoint() const {
    std::error_code ec;
    return acceptor_.local_endpoint(ec);
}

int Server::run() {
    wait_signal();
    do_accept();
    io_.run();

    // io_ stopped: everything in flight was answered (drained_), or the grace period ran out.
    if (!drained_ || !pool_.shutdown(drain_deadline_)) {
        log(LogLevel::warn,
            "shutdown grace of {} ms expired with {} requests in flight and {} queued; exiting without them",
            app_.shutdown_grace().count(), context_.in_flight.load(), pool_.queued());
        // Workers are still blocked in the store: the orderly teardown would wait for them, so skip it. The
        // temp database is the one thing the destructors would have cleaned up.
        if (options_.db_path.empty()) {
            std::error_code ignored;
            std::filesystem::remove(app_.store.path(), ignored);
        }
        std::fflush(nullptr);
        std::_Exit(exit_code::ok);
    }
    manager_.close_all();
    // Run the completion handlers of the sockets just closed, so no connection outlives the I/O loop.
    io_.restart();
    io_.poll();
    log(LogLevel::info, "shutdown complete: {} work items completed", pool_.completed());
    return exit_code::ok;
}

void Server::do_accept() {
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

void Server::on_accept_error(const std::error_code& ec) {
    if (ec == asio::error::operation_aborted) return;
    if (!out_of_descriptors(ec)) {
        log(LogLevel::debug, "accept failed: {}", ec.message());
        do_accept();
        return;
    }
    // EMFILE/ENFILE: the pending connection stays in the listen backlog. Say so once a second (not once per
    // attempt: this can fire thousands of times), and back off briefly instead of spinning on a ready socket.
    ++fd_failures_;
    const auto now = std::chrono::steady_clock::now();
    if (now - last_fd_warning_ >= std::chrono::seconds(1)) {
        log(LogLevel::warn,
            "cannot accept connections: {} ({} connections open, RLIMIT_NOFILE soft limit {}; {} failed "
            "accepts "
            "in the last second); new clients wait in the listen backlog",
            ec.message(), context_.connections.load(), raise_nofile_limit().soft, fd_failures_);
        last_fd_warning_ = now;
        fd_failures_ = 0;
    }
    accept_retry_.expires_after(std::chrono::milliseconds(50));
    accept_retry_.async_wait([this](std::error_code wait_ec) {
        if (!wait_ec && !context_.stopping) do_accept();
    });
}

void Server::on_accepted(asio::ip::tcp::socket socket) {
    std::error_code ignored;
    socket.set_option(asio::ip::tcp::no_delay(true), ignored);
    if (context_.connections >= options_.max_connections) {
        reject(std::move(socket),
               fmt::format("too many open connections (limit {}); retry later", options_.max_connections),
               "max_connections");
        return;
    }
    if (!sync_.thread_per_connection()) {
        manager_.start(std::make_shared<Connection>(std::move(socket), context_, manager_));
        return;
    }
    auto connection = std::make_shared<BlockingConnection>(std::move(socket), context_);
    if (!pool_.try_submit([connection] { connection->serve(); })) {
        reject(connection->release_socket(), "all worker threads are busy and the connection queue is full",
               "queue_full");
    }
}

void Server::reject(asio::ip::tcp::socket socket, std::string_view why, std::string_view reason) {
    app_.metrics.count_rejected(reason);
    HttpResponse response = error_response(503, why, /*close=*/true);
    response.extra_headers.emplace_back("Retry-After", "1");
    app_.metrics.count_response(503);
    std::make_shared<Rejection>(std::move(socket), serialize(response, false, http_date()))->start();
}

void Server::wait_signal() {
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

void Server::begin_shutdown() {
    context_.stopping = true;
    std::error_code ignored;
    acceptor_.close(ignored);
    accept_retry_.cancel();
    // Wakes every thread-per-connection thread parked on an idle connection (the eventfd stays readable).
    const std::uint64_t one = 1;
    [[maybe_unused]] const auto written = ::write(context_.stop_event, &one, sizeof one);
    manager_.stop_all();
    drain_deadline_ = std::chrono::steady_clock::now() + app_.shutdown_grace();
    check_drained();
}

void Server::check_drained() {
    if (context_.in_flight == 0) {
        drained_ = true;
        signals_.cancel();
        io_.stop();
        return;
    }
    if (std::chrono::steady_clock::now() >= drain_deadline_) {
        drained_ = false;
        io_.stop();
        return;
    }
    drain_timer_.expires_after(std::chrono::milliseconds(10));
    drain_timer_.async_wait([this](std::error_code ec) {
        if (!ec) check_drained();
    });
}

}  // namespace slowio
