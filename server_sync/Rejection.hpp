#pragma once
/// \file A connection the server will not serve (too many connections, queue full): answer 503 and close.

#include <array>
#include <asio/ip/tcp.hpp>
#include <asio/steady_timer.hpp>
#include <memory>
#include <string>

namespace slowio {

/// Writes one prepared response, then closes gracefully: half-close our side and discard whatever the client
/// still sends until it closes (or 1 s), so that the kernel does not answer unread request bytes with a RST
/// that could destroy the 503 before the client reads it.
class Rejection : public std::enable_shared_from_this<Rejection> {
  public:
    /// Takes the socket and the serialized response; call start() once.
    Rejection(asio::ip::tcp::socket socket, std::string response);
    /// Begins the write; the object keeps itself alive until the socket is closed.
    void start();

  private:
    void discard();
    asio::ip::tcp::socket socket_;
    asio::steady_timer timer_;
    std::string response_;
    std::array<char, 512> sink_{};
};

}  // namespace slowio
