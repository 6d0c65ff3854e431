#pragma once
/// \file The completion token of every awaited operation in server_async.

#include <asio/experimental/as_tuple.hpp>
#include <asio/use_awaitable.hpp>

namespace slowio::async {

/// Completion token: errors come back as values (std::error_code at the I/O edge), never as exceptions.
inline constexpr auto use_nothrow = asio::experimental::as_tuple(asio::use_awaitable);

}  // namespace slowio::async
