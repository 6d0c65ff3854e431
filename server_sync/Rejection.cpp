#include "Rejection.hpp"

#include <asio/write.hpp>
#include <chrono>

namespace slowio {

Rejection::Rejection(asio::ip::tcp::socket socket, std::string response)
    : socket_(std::move(socket)), timer_(socket_.get_executor()), response_(std::move(response)) {}

void Rejection::start() {
    auto self = shared_from_this();
    timer_.expires_after(std::chrono::seconds(1));
    timer_.async_wait([self](std::error_code ec) {
        if (!ec) {
            std::error_code ignored;
            self->socket_.close(ignored);
        }
    });
    asio::async_write(socket_, asio::buffer(response_), [self](std::error_code ec, std::size_t) {
        std::error_code ignored;
        if (ec) {
            self->timer_.cancel();
            self->socket_.close(ignored);
            return;
        }
        self->socket_.shutdown(asio::socket_base::shutdown_send, ignored);
        self->discard();
    });
}

void Rejection::discard() {
    auto self = shared_from_this();
    socket_.async_read_some(asio::buffer(sink_), [self](std::error_code ec, std::size_t) {
        if (ec) {  // EOF from the client, or the timer closed the socket
            std::error_code ignored;
            self->timer_.cancel();
            self->socket_.close(ignored);
            return;
        }
        self->discard();
    });
}

}  // namespace slowio
