#pragma once
/// \file Closing a connection after a final response without destroying that response.

#include <asio/awaitable.hpp>
#include <asio/ip/tcp.hpp>
#include <chrono>

namespace slowio::async {

/// Half-closes `socket` (FIN after the response already written), then reads and discards whatever the peer
/// still sends until it closes too or `max_wait` passes, then closes. Closing a socket that still has unread
/// bytes (the rest of an oversized header, a pipelined request, a request the 503 never looked at) makes the
/// kernel send RST, and a client that receives RST may drop the error response before reading it.
/// `socket` must stay alive until the returned awaitable completes (callers own it in their frame or object).
asio::awaitable<void> lingering_close(asio::ip::tcp::socket& socket,
                                      std::chrono::milliseconds max_wait = std::chrono::milliseconds(500));

}  // namespace slowio::async
