#pragma once
/// \file The listening socket every server opens the same way.

#include <asio/ip/tcp.hpp>
#include <system_error>

namespace slowio {

/// Listen backlog requested by every server. Linux silently caps it at net.core.somaxconn; asking high lets
/// thousands of clients connect at once (C = 4,096 .. 16,000) without SYN retries while one thread accepts.
inline constexpr int listen_backlog = 65535;

/// Opens `acceptor` on `endpoint` (SO_REUSEADDR), binds and listens with listen_backlog, and logs the backlog
/// the kernel grants. On failure the acceptor is closed again and the error returned (the caller exits with
/// exit_code::cannot_bind).
std::error_code open_listener(asio::ip::tcp::acceptor& acceptor, const asio::ip::tcp::endpoint& endpoint);

}  // namespace slowio
