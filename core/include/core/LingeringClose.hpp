#pragma once
/// \file Closing a connection after a final response without destroying that response: the rule every
/// server follows, in the two shapes the servers wait in (a coroutine, a blocking thread).

#include <asio/awaitable.hpp>
#include <asio/ip/tcp.hpp>
#include <chrono>

namespace slowio {

/// How long a closing connection keeps discarding the peer's bytes after our FIN, at most. Closing a socket
/// that still has unread bytes (the rest of an oversized header, a pipelined request, a request the 503
/// never looked at) makes the kernel send RST, and a client that receives RST may drop the error response
/// before reading it. A client reads a small response and closes within milliseconds on loopback; 2 s (as
/// Apache httpd's lingering close) covers a slow network without letting a peer that never closes hold the
/// descriptor for long.
inline constexpr std::chrono::milliseconds lingering_close_timeout{2000};

/// Half-closes `socket` (FIN after the response already written), reads and discards until the peer closes
/// or lingering_close_timeout passes, then closes. `socket` must outlive the returned awaitable.
asio::awaitable<void> lingering_close(asio::ip::tcp::socket& socket);

/// lingering_close() for a thread that owns its connection: blocks the calling thread for at most
/// lingering_close_timeout.
void lingering_close_blocking(asio::ip::tcp::socket& socket);

}  // namespace slowio
