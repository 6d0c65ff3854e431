#pragma once
/// \file A connection the server will not serve (--max-connections reached, no worker for it): answered
/// with one fixed response and closed, the same way in every server.

#include <asio/ip/tcp.hpp>
#include <string_view>

#include "core/HttpResponse.hpp"
#include "core/Metrics.hpp"

namespace slowio {

/// Writes `response` (a ServerResponses 503, `Connection: close`) to `socket` without reading the request,
/// then closes it with lingering_close(). Counts the response and `http_rejected_total{reason}`. Returns at
/// once: a detached coroutine on the socket's executor owns the socket until it is closed.
void reject_connection(asio::ip::tcp::socket socket, const HttpResponse& response, Metrics& metrics,
                       std::string_view reason);

}  // namespace slowio
