#pragma once
// A small HTTP/1.1 server for the loadgen tests: Asio, 127.0.0.1, ephemeral port, one event-loop thread.
// A policy decides each reply (status, delay, never answering, stalling the whole loop), and the server
// counts what it really answered, so tests can hold loadgen's numbers against the server's.
#include <asio.hpp>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

namespace slowio::loadgen::test {

/// What the server does with one request.
struct Reply {
    unsigned status = 200;               ///< status code
    std::chrono::milliseconds delay{0};  ///< answer after this long (timer; other connections go on)
    /// block the server's only thread this long first (a server-wide stall)
    std::chrono::milliseconds stall{0};
    bool never = false;         ///< never answer this request
    bool close = false;         ///< answer with Connection: close and close
    std::string body = "ok\n";  ///< response body
    std::string headers;        ///< extra header lines, each ending in CRLF (e.g. "Retry-After: 1\r\n")
};

/// Decides the reply to the n-th request (0-based, counted across connections; /metrics excluded).
using Policy = std::function<Reply(const std::string& request_line, std::uint64_t n)>;

class TestServer {
  public:
    explicit TestServer(Policy policy = {}) : policy_(std::move(policy)) {
        acceptor_.open(asio::ip::tcp::v4());
        acceptor_.set_option(asio::socket_base::reuse_address(true));
        acceptor_.bind({asio::ip::make_address("127.0.0.1"), 0});
        acceptor_.listen(4096);
        accept();
        thread_ = std::thread([this] { io_.run(); });
    }
    ~TestServer() {
        io_.stop();
        thread_.join();
    }

    std::uint16_t port() const { return acceptor_.local_endpoint().port(); }
    std::string url(const std::string& path = "/") const {
        return "http://127.0.0.1:" + std::to_string(port()) + path;
    }
    /// Responses written (excluding /metrics).
    std::uint64_t responses() const { return responses_.load(); }
    /// Requests received (excluding /metrics).
    std::uint64_t requests() const { return requests_.load(); }
    /// Connections accepted.
    std::uint64_t connections() const { return connections_.load(); }
    /// /metrics answers.
    std::uint64_t scrapes() const { return scrapes_.load(); }
    /// Text served at /metrics.
    void set_metrics(std::string text) {
        std::lock_guard lock(mu_);
        metrics_ = std::move(text);
    }
    /// When the first /metrics request and the first other request arrived (unset until they do).
    std::pair<std::optional<std::chrono::steady_clock::time_point>,
              std::optional<std::chrono::steady_clock::time_point>>
    first_arrivals() const {
        std::lock_guard lock(mu_);
        return {first_scrape_at_, first_request_at_};
    }
    /// Every request head received (request line + headers + body), in order.
    std::vector<std::string> heads() const {
        std::lock_guard lock(mu_);
        return heads_;
    }

  private:
    struct Session : std::enable_shared_from_this<Session> {
        Session(TestServer& s, asio::ip::tcp::socket sock)
            : server(s), socket(std::move(sock)), timer(server.io_) {}
        TestServer& server;
        asio::ip::tcp::socket socket;
        asio::steady_timer timer;
        std::string in;
        std::string out;
        char buf[4096];

        void read() {
            auto self = shared_from_this();
            socket.async_read_some(asio::buffer(buf), [self](std::error_code ec, std::size_t n) {
                if (ec) return;
                self->in.append(self->buf, n);
                self->process();
            });
        }

        void process() {
            const auto end = in.find("\r\n\r\n");
            if (end == std::string::npos) return read();
            std::size_t body_len = 0;
            const auto cl = in.find("Content-Length: ");
            if (cl != std::string::npos && cl < end) body_len = std::stoul(in.substr(cl + 16));
            if (in.size() < end + 4 + body_len) return read();
            const std::string head = in.substr(0, end + 4 + body_len);
            in.erase(0, head.size());
            const std::string line = head.substr(0, head.find("\r\n"));
            const bool client_close = head.find("Connection: close") != std::string::npos;
            if (line.rfind("GET /metrics ", 0) == 0) {
                std::string text;
                {
                    std::lock_guard lock(server.mu_);
                    text = server.metrics_;
                    if (!server.first_scrape_at_) server.first_scrape_at_ = std::chrono::steady_clock::now();
                }
                ++server.scrapes_;
                return respond(Reply{200, {}, {}, false, client_close, text, {}}, false);
            }
            const std::uint64_t n = server.requests_++;
            {
                std::lock_guard lock(server.mu_);
                server.heads_.push_back(head);
                if (!server.first_request_at_) server.first_request_at_ = std::chrono::steady_clock::now();
            }
            Reply r = server.policy_ ? server.policy_(line, n) : Reply{};
            r.close = r.close || client_close;
            if (r.never) return read();  // swallow it; the client must time out
            if (r.stall.count() > 0) std::this_thread::sleep_for(r.stall);
            if (r.delay.count() > 0) {
                auto self = shared_from_this();
                timer.expires_after(r.delay);
                timer.async_wait([self, r](std::error_code ec) {
                    if (!ec) self->respond(r, true);
                });
                return;
            }
            respond(r, true);
        }

        void respond(const Reply& r, bool counted) {
            out = "HTTP/1.1 " + std::to_string(r.status) +
                  " X\r\nContent-Length: " + std::to_string(r.body.size()) + "\r\n" +
                  (r.close ? "Connection: close\r\n" : "") + r.headers + "\r\n" + r.body;
            if (counted) ++server.responses_;
            auto self = shared_from_this();
            asio::async_write(socket, asio::buffer(out),
                              [self, close = r.close](std::error_code ec, std::size_t) {
                                  if (ec) return;
                                  if (close) {
                                      std::error_code ignored;
                                      self->socket.shutdown(asio::ip::tcp::socket::shutdown_send, ignored);
                                      return;
                                  }
                                  self->process();
                              });
        }
    };

    void accept() {
        acceptor_.async_accept([this](std::error_code ec, asio::ip::tcp::socket sock) {
            if (ec) return;
            ++connections_;
            std::make_shared<Session>(*this, std::move(sock))->read();
            accept();
        });
    }

    Policy policy_;
    asio::io_context io_{1};
    asio::ip::tcp::acceptor acceptor_{io_};
    std::thread thread_;
    std::atomic<std::uint64_t> responses_{0}, requests_{0}, connections_{0}, scrapes_{0};
    mutable std::mutex mu_;
    std::optional<std::chrono::steady_clock::time_point> first_scrape_at_, first_request_at_;
    std::string metrics_ = "# TYPE threadpool_threads gauge\nthreadpool_threads 1\n";
    std::vector<std::string> heads_;
};

}  // namespace slowio::loadgen::test
