#include "core/WarmUpRequests.hpp"

#include <sys/socket.h>
#include <sys/time.h>

#include <array>
#include <asio/connect.hpp>
#include <asio/io_context.hpp>
#include <asio/read.hpp>
#include <asio/write.hpp>

namespace slowio {

namespace {

/// A wildcard bind address is reached over loopback of its family, as WarmUp.cs does.
asio::ip::tcp::endpoint reachable(const asio::ip::tcp::endpoint& server) {
    if (!server.address().is_unspecified()) return server;
    const asio::ip::address loopback = server.address().is_v6()
                                           ? asio::ip::address(asio::ip::address_v6::loopback())
                                           : asio::ip::address(asio::ip::address_v4::loopback());
    return {loopback, server.port()};
}

/// One request on a fresh connection, its response read to EOF. The timeouts are the socket's own
/// (SO_RCVTIMEO/SO_SNDTIMEO): a blocking Asio socket has none.
std::optional<std::string> send_one(asio::io_context& io, const asio::ip::tcp::endpoint& server,
                                    std::string_view request) {
    asio::ip::tcp::socket socket(io);
    std::error_code ec;
    socket.connect(server, ec);
    if (ec) return "connect: " + ec.message();
    const timeval five_seconds{5, 0};
    ::setsockopt(socket.native_handle(), SOL_SOCKET, SO_RCVTIMEO, &five_seconds, sizeof five_seconds);
    ::setsockopt(socket.native_handle(), SOL_SOCKET, SO_SNDTIMEO, &five_seconds, sizeof five_seconds);
    asio::write(socket, asio::buffer(request.data(), request.size()), ec);
    if (ec) return "write: " + ec.message();
    std::array<char, 4096> buffer{};
    std::size_t received = 0;
    while (!ec) received += socket.read_some(asio::buffer(buffer), ec);
    if (ec != asio::error::eof) return "read: " + ec.message();
    if (received == 0) return std::string("no response");
    return std::nullopt;
}

}  // namespace

const std::vector<std::string_view>& warm_up_requests() {
    static const std::vector<std::string_view> requests{
        "GET /health HTTP/1.1\r\nHost: warmup\r\nConnection: close\r\n\r\n",
        "GET /metrics HTTP/1.1\r\nHost: warmup\r\nConnection: close\r\n\r\n",
        "POST /work?n=1 HTTP/1.1\r\nHost: warmup\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
        "GET /nope HTTP/1.1\r\nHost: warmup\r\nConnection: close\r\n\r\n",
    };
    return requests;
}

std::optional<std::string> send_warm_up_requests(const asio::ip::tcp::endpoint& server) {
    asio::io_context io;
    const asio::ip::tcp::endpoint target = reachable(server);
    for (const std::string_view request : warm_up_requests()) {
        if (auto failed = send_one(io, target, request)) {
            return "warm-up request '" + std::string(request.substr(0, request.find('\r'))) +
                   "' failed: " + *failed;
        }
    }
    return std::nullopt;
}

}  // namespace slowio
