#include "server_sync/DedicatedThreadConnection.hpp"

#include <fmt/format.h>
#include <poll.h>
#include <sys/socket.h>

#include <cerrno>

#include "core/Handler.hpp"
#include "core/LingeringClose.hpp"
#include "core/Log.hpp"
#include "core/PeerGone.hpp"
#include "core/RequestParser.hpp"
#include "core/ServerResponses.hpp"

namespace slowio::sync {

namespace {

using Clock = std::chrono::steady_clock;

/// A slow reader cannot hold a thread forever: a response must be accepted by the socket within this.
constexpr std::chrono::milliseconds send_timeout{10'000};

int millis_until(Clock::time_point deadline) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
    return left <= 0 ? 0 : static_cast<int>(std::min<long long>(left, 1'000'000'000));
}

}  // namespace

DedicatedThreadConnection::DedicatedThreadConnection(asio::ip::tcp::socket socket, ServerContext& context)
    : socket_(std::move(socket)), context_(context) {
    context_.connection_opened();
}

DedicatedThreadConnection::~DedicatedThreadConnection() {
    std::error_code ignored;
    socket_.close(ignored);
    if (counted_) context_.connection_closed();
}

asio::ip::tcp::socket DedicatedThreadConnection::release_socket() {
    if (counted_) context_.connection_closed();
    counted_ = false;
    return std::move(socket_);
}

DedicatedThreadConnection::Wait DedicatedThreadConnection::wait_readable(TimePoint deadline) {
    // The stop eventfd joins every wait, so a shutdown wakes threads parked on idle keep-alive connections.
    pollfd fds[2] = {{socket_.native_handle(), POLLIN, 0}, {context_.stop_event, POLLIN, 0}};
    for (;;) {
        const int rc = ::poll(fds, 2, millis_until(deadline));
        if (rc < 0 && errno == EINTR) continue;
        if (rc < 0) return Wait::readable;  // let recv report the error
        if (fds[0].revents != 0) return Wait::readable;
        if (fds[1].revents != 0) return Wait::stopping;
        return Wait::timeout;
    }
}

bool DedicatedThreadConnection::send_all(std::string_view bytes) {
    const auto deadline = Clock::now() + send_timeout;
    while (!bytes.empty()) {
        const ssize_t n =
            ::send(socket_.native_handle(), bytes.data(), bytes.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
        if (n > 0) {
            bytes.remove_prefix(static_cast<std::size_t>(n));
            continue;
        }
        if (n < 0 && errno == EINTR) continue;
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
            pollfd p{socket_.native_handle(), POLLOUT, 0};
            if (::poll(&p, 1, millis_until(deadline)) <= 0) return false;
            continue;
        }
        return false;
    }
    return true;
}

bool DedicatedThreadConnection::answer(const HttpRequest& request) {
    if (Handler::is_metrics(request))
        return respond(std::get<HttpResponse>(context_.app.handler.handle(request)), request.keep_alive);
    // The connection waited in the pool's queue for this thread: its client may have left meanwhile.
    // No I/O thread watches this socket while its thread blocks in the store: look before and after.
    if (context_.options.drop_abandoned && peer_gone(socket_.native_handle())) {
        context_.app.metrics.count_abandoned(Metrics::Abandoned::dropped);
        return false;
    }
    const HttpResponse response = context_.responder.respond(request);
    if (peer_gone(socket_.native_handle())) context_.app.metrics.count_abandoned(Metrics::Abandoned::ran);
    return respond(response, request.keep_alive);
}

bool DedicatedThreadConnection::respond(const HttpResponse& response, bool keep_alive) {
    const bool keep = keeps_alive(response, keep_alive) && !context_.stopping;
    context_.app.metrics.count_response(response.status);
    return send_all(serialize(response, keep, http_date())) && keep;
}

void DedicatedThreadConnection::serve() {
    RequestParser parser;
    std::string input;
    TimePoint idle_deadline = Clock::now() + std::chrono::milliseconds(context_.options.keepalive_timeout_ms);
    TimePoint header_deadline{};
    for (;;) {
        if (!input.empty()) input.erase(0, parser.consume(input.data(), input.size()));
        if (parser.state() == RequestParser::State::complete) {
            const HttpRequest request = parser.take();
            context_.request_started();
            const bool keep = answer(request);
            context_.request_finished();
            if (!keep) {
                lingering_close_blocking(socket_);
                return;
            }
            header_deadline = {};
            idle_deadline = Clock::now() + std::chrono::milliseconds(context_.options.keepalive_timeout_ms);
            continue;
        }
        if (parser.state() == RequestParser::State::error) {
            respond(parser.error(), false);
            lingering_close_blocking(socket_);
            return;
        }
        if (parser.started() && header_deadline == TimePoint{}) {
            header_deadline = Clock::now() + std::chrono::milliseconds(context_.options.header_timeout_ms);
        }
        // Shutting down: serve only bytes that are already here, wait for nothing.
        const TimePoint deadline =
            context_.stopping ? Clock::now() : (parser.started() ? header_deadline : idle_deadline);
        const Wait w = wait_readable(deadline);
        if (w == Wait::stopping) return;
        if (w == Wait::timeout) {
            if (parser.started() && !context_.stopping) {
                context_.app.metrics.count_rejected("header_timeout");
                respond(
                    header_timeout_response(std::chrono::milliseconds(context_.options.header_timeout_ms)),
                    false);
                lingering_close_blocking(socket_);
            }
            return;  // idle keep-alive timeout, or shutdown
        }
        const ssize_t n = ::recv(socket_.native_handle(), buffer_.data(), buffer_.size(), MSG_DONTWAIT);
        if (n == 0) return;  // the client closed
        if (n < 0) {
            if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR) continue;
            return;
        }
        input.append(buffer_.data(), static_cast<std::size_t>(n));
    }
}

}  // namespace slowio::sync
