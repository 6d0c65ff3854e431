#include "server_async/LingeringClose.hpp"

#include <array>
#include <asio/experimental/as_tuple.hpp>
#include <asio/experimental/awaitable_operators.hpp>
#include <asio/steady_timer.hpp>
#include <asio/this_coro.hpp>
#include <asio/use_awaitable.hpp>

namespace slowio::async {

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

asio::awaitable<void> lingering_close(asio::ip::tcp::socket& socket, std::chrono::milliseconds max_wait) {
    using namespace asio::experimental::awaitable_operators;
    std::error_code ec;
    socket.shutdown(asio::ip::tcp::socket::shutdown_send, ec);
    if (!ec) {
        asio::steady_timer timer(co_await asio::this_coro::executor, max_wait);
        // Whichever finishes first cancels the other: the peer's EOF, or the bound.
        co_await (discard_until_eof(socket) ||
                  timer.async_wait(asio::experimental::as_tuple(asio::use_awaitable)));
    }
    socket.close(ec);
}

}  // namespace slowio::async
