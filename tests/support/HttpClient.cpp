#include "HttpClient.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <stdexcept>

namespace slowio::test {

std::string ClientResponse::header(const std::string& name) const {
    auto lower = [](std::string s) {
        for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        return s;
    };
    for (const auto& [k, v] : headers) {
        if (lower(k) == lower(name)) return v;
    }
    return {};
}

HttpClient::HttpClient(std::uint16_t port, std::chrono::milliseconds timeout) : timeout_(timeout) {
    fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd_ < 0) throw std::runtime_error("socket failed");
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(port);
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
        ::close(fd_);
        fd_ = -1;
        throw std::runtime_error("connect to 127.0.0.1:" + std::to_string(port) + " failed");
    }
    int one = 1;
    ::setsockopt(fd_, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
}

HttpClient::~HttpClient() {
    close();
}

void HttpClient::close() {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
}

void HttpClient::shutdown_send() {
    if (fd_ >= 0) ::shutdown(fd_, SHUT_WR);
}

std::size_t HttpClient::discard(std::size_t n) {
    std::size_t got = std::min(n, buffer_.size());
    buffer_.erase(0, got);
    while (got < n && fill()) {
        const std::size_t take = std::min(n - got, buffer_.size());
        buffer_.erase(0, take);
        got += take;
    }
    return got;
}

bool HttpClient::send_raw(const std::string& bytes) {
    std::size_t sent = 0;
    while (sent < bytes.size()) {
        const ssize_t n = ::send(fd_, bytes.data() + sent, bytes.size() - sent, MSG_NOSIGNAL);
        if (n <= 0) return false;
        sent += static_cast<std::size_t>(n);
    }
    return true;
}

bool HttpClient::send_request(const std::string& method, const std::string& target,
                              const std::string& extra_headers, const std::string& body) {
    std::string req = method + " " + target + " HTTP/1.1\r\nHost: test\r\n" + extra_headers;
    if (!body.empty() || method == "POST") req += "Content-Length: " + std::to_string(body.size()) + "\r\n";
    req += "\r\n" + body;
    return send_raw(req);
}

bool HttpClient::fill() {
    if (fd_ < 0 || eof_) return false;
    pollfd p{fd_, POLLIN, 0};
    if (::poll(&p, 1, static_cast<int>(timeout_.count())) <= 0) return false;
    char buf[16384];
    const ssize_t n = ::recv(fd_, buf, sizeof buf, 0);
    if (n <= 0) {
        eof_ = true;
        return false;
    }
    buffer_.append(buf, static_cast<std::size_t>(n));
    return true;
}

std::optional<ClientResponse> HttpClient::read_response() {
    std::size_t header_end;
    while ((header_end = buffer_.find("\r\n\r\n")) == std::string::npos) {
        if (!fill()) return std::nullopt;
    }
    ClientResponse r;
    const std::string head = buffer_.substr(0, header_end);
    std::size_t line_end = head.find("\r\n");
    r.status_line = head.substr(0, line_end);
    if (r.status_line.size() < 12) return std::nullopt;
    r.status = std::stoi(r.status_line.substr(9, 3));
    std::size_t pos = line_end == std::string::npos ? head.size() : line_end + 2;
    while (pos < head.size()) {
        std::size_t end = head.find("\r\n", pos);
        if (end == std::string::npos) end = head.size();
        const std::string line = head.substr(pos, end - pos);
        const auto colon = line.find(':');
        if (colon != std::string::npos) {
            std::string value = line.substr(colon + 1);
            value.erase(0, value.find_first_not_of(' '));
            r.headers.emplace_back(line.substr(0, colon), value);
        }
        pos = end + 2;
    }
    const std::string cl = r.header("Content-Length");
    const std::size_t length = cl.empty() ? 0 : std::stoul(cl);
    const std::size_t total = header_end + 4 + length;
    while (buffer_.size() < total) {
        if (!fill()) return std::nullopt;
    }
    r.raw = buffer_.substr(0, total);
    r.body = buffer_.substr(header_end + 4, length);
    buffer_.erase(0, total);
    return r;
}

std::optional<ClientResponse> HttpClient::request(const std::string& method, const std::string& target,
                                                  const std::string& extra_headers, const std::string& body) {
    if (!send_request(method, target, extra_headers, body)) return std::nullopt;
    return read_response();
}

bool HttpClient::wait_closed() {
    while (fill()) {
    }
    return eof_;
}

}  // namespace slowio::test
