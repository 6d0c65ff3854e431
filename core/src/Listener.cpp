#include "core/Listener.hpp"

#include <fstream>

#include "core/Log.hpp"

namespace slowio {

namespace {
int kernel_somaxconn() {
    std::ifstream in("/proc/sys/net/core/somaxconn");
    int value = -1;
    in >> value;
    return value;
}
}  // namespace

std::error_code open_listener(asio::ip::tcp::acceptor& acceptor, const asio::ip::tcp::endpoint& endpoint) {
    std::error_code ec;
    acceptor.open(endpoint.protocol(), ec);
    if (!ec) acceptor.set_option(asio::ip::tcp::acceptor::reuse_address(true), ec);
    if (!ec) acceptor.bind(endpoint, ec);
    if (!ec) acceptor.listen(listen_backlog, ec);
    if (ec) {
        std::error_code ignored;
        acceptor.close(ignored);
        return ec;
    }
    log(LogLevel::info, "listen backlog {} requested (the kernel caps it at net.core.somaxconn = {})",
        listen_backlog, kernel_somaxconn());
    return {};
}

}  // namespace slowio
