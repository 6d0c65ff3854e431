#pragma once
/// \file One client connection of the thread-per-connection model (`--model thread-per-connection`): the
/// classic blocking server (cpp-httplib, Beast's synchronous example). A pool thread owns the connection and
/// does blocking reads and writes until the client closes or the keep-alive idle timeout; meanwhile that
/// thread serves nobody else, so with N threads the (N+1)-th connection waits in the pool's queue, unserved,
/// however idle the first N are.

#include <array>
#include <asio/ip/tcp.hpp>
#include <chrono>
#include <string>
#include <string_view>

#include "core/HttpRequest.hpp"
#include "core/HttpResponse.hpp"
#include "server_sync/ServerContext.hpp"

namespace slowio::sync {

/// Serves one connection on the calling (worker) thread.
class DedicatedThreadConnection {
  public:
    /// Takes the accepted socket; counts the connection as open until destroyed.
    DedicatedThreadConnection(asio::ip::tcp::socket socket, ServerContext& context);
    ~DedicatedThreadConnection();
    DedicatedThreadConnection(const DedicatedThreadConnection&) = delete;
    DedicatedThreadConnection& operator=(const DedicatedThreadConnection&) = delete;

    /// Reads, handles and answers requests in order until the connection ends. Blocks the calling thread.
    void serve();
    /// Gives the socket back unserved (the pool refused the connection; the caller answers 503).
    asio::ip::tcp::socket release_socket();

  private:
    using TimePoint = std::chrono::steady_clock::time_point;
    enum class Wait { readable, timeout, stopping };

    Wait wait_readable(TimePoint deadline);
    bool send_all(std::string_view bytes);
    /// Runs `request` (or drops it, --drop-abandoned, when its client left while it waited) and answers it;
    /// true when the connection stays open.
    bool answer(const HttpRequest& request);
    bool respond(const HttpResponse& response, bool keep_alive);

    asio::ip::tcp::socket socket_;
    ServerContext& context_;
    std::array<char, 512> buffer_{};  ///< small, as in PoolConnection
    bool counted_ = true;
};

}  // namespace slowio::sync
