#pragma once
/// \file The responses a server sends on its own, outside the handler's routes (connection limits, a full
/// worker queue, shutdown, the slowloris guard). Every server builds them here, so the same condition gives
/// the same bytes whichever server meets it.

#include <chrono>
#include <cstddef>

#include "core/HttpResponse.hpp"

namespace slowio {

/// The `Retry-After` value (seconds) of every 503 the suite sends: the conditions behind them (a full queue,
/// too many connections) clear in about one store latency.
inline constexpr std::string_view retry_after_seconds = "1";

/// Adds `Retry-After: retry_after_seconds` to `response`.
void add_retry_after(HttpResponse& response);

/// 503 + Retry-After, then close: a connection beyond --max-connections (its request is never read).
HttpResponse too_many_connections_response(std::size_t max_connections);

/// 503 + Retry-After, keep-alive: a request that found the worker queue full (`queued` items waiting).
HttpResponse queue_full_response(std::size_t queued);

/// 503 + Retry-After, keep-alive: a request CoDel shed (it waited `waited` while the queue stayed
/// overloaded).
HttpResponse queue_overloaded_response(std::chrono::milliseconds waited);

/// 503 + Retry-After, then close: a connection the server cannot serve because every worker is busy and
/// the queue is full (thread-per-connection: the whole connection is the work item).
HttpResponse connection_queue_full_response();

/// 503 + Retry-After, then close: a request that arrived after shutdown began.
HttpResponse shutting_down_response();

/// 408, then close: a request whose headers were not complete within --header-timeout-ms.
HttpResponse header_timeout_response(std::chrono::milliseconds header_timeout);

}  // namespace slowio
