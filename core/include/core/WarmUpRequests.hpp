#pragma once
/// \file The requests the ASP.NET Core target sends itself before it announces its port
/// (bench/targets/aspnetcore/WarmUp.cs), for a server of ours that is to start the same way.

#include <asio/ip/tcp.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace slowio {

/// The four requests, in order, each on a connection of its own with `Connection: close`: GET /health,
/// GET /metrics, POST /work?n=1, GET /nope (404), as WarmUp.cs's Requests.
const std::vector<std::string_view>& warm_up_requests();

/// Sends each warm-up request to `server` (a wildcard address means loopback) and reads its response to the
/// server's close, blocking, 5 s at most per read or write. Returns the first failure's reason, or nullopt.
/// Called on a thread of its own while the server's loop serves: the responses come from that loop.
std::optional<std::string> send_warm_up_requests(const asio::ip::tcp::endpoint& server);

}  // namespace slowio
