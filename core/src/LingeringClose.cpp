#include "core/LingeringClose.hpp"

#include <poll.h>
#include <sys/socket.h>

#include <array>
#include <asio/experimental/as_tuple.hpp>
#include <asio/experimental/awaitable_operators.hpp>
#include <asio/steady_timer.hpp>
#include <asio/this_coro.hpp>
#include <asio/use_awaitable.hpp>
#include <cerrno>

namespace slowio {

namespace {

/// Reads until EOF or an error (including cancellation by the timer side of the || below).
asio::awaitable<void> discard_until_eof(asio::ip::tcp::socket& socket) {
    std::array<char, 512> sink;
    for (;;) {
        const auto read = co_await socket.async_read_some(asio::buffer(sink),
                                                          asio::experimental::as_tuple(asio::use_awaitable));
        if (std::get<0>(read)) co_return;
    }
}

}  // namespace

asio::awaitable<void> lingering_close(asio::ip::tcp::socket& socket) {
    using namespace asio::experimental::awaitable_operators;
    std::error_code ec;
    socket.shutdown(asio::ip::tcp::socket::shutdown_send, ec);
    if (!ec) {
        asio::steady_timer timer(co_await asio::this_coro::executor, lingering_close_timeout);
        // Whichever finishes first cancels the other: the peer's EOF, or the bound.
        co_await (discard_until_eof(socket) ||
                  timer.async_wait(asio::experimental::as_tuple(asio::use_awaitable)));
    }
    socket.close(ec);
}

void lingering_close_blocking(asio::ip::tcp::socket& socket) {
    using Clock = std::chrono::steady_clock;
    const int fd = socket.native_handle();
    ::shutdown(fd, SHUT_WR);
    const auto deadline = Clock::now() + lingering_close_timeout;
    std::array<char, 512> sink;
    for (;;) {
        const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
        if (left.count() <= 0) break;
        pollfd p{fd, POLLIN, 0};
        const int ready = ::poll(&p, 1, static_cast<int>(left.count()));
        if (ready < 0 && errno == EINTR) continue;
        if (ready <= 0) break;
        const ssize_t n = ::recv(fd, sink.data(), sink.size(), MSG_DONTWAIT);
        if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR)) break;
    }
    std::error_code ignored;
    socket.close(ignored);
}

}  // namespace slowio
