#pragma once
/// \file Test support: a minimal blocking HTTP/1.1 client over one TCP connection, with timeouts, for
/// talking to the servers byte by byte (it can send raw, malformed or partial requests).

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace slowio::test {

/// One parsed response, with the raw bytes kept for byte-identical comparisons.
struct ClientResponse {
    int status = 0;
    std::string status_line;
    std::vector<std::pair<std::string, std::string>> headers;  ///< in order received
    std::string body;
    std::string raw;  ///< exactly the bytes of this response

    /// First header with this name (case-insensitive), or "".
    std::string header(const std::string& name) const;
};

/// A blocking client connection to 127.0.0.1:port.
class HttpClient {
  public:
    /// Connects; throws std::runtime_error on failure.
    explicit HttpClient(std::uint16_t port, std::chrono::milliseconds timeout = std::chrono::seconds(10));
    ~HttpClient();
    HttpClient(const HttpClient&) = delete;
    HttpClient& operator=(const HttpClient&) = delete;

    /// Sends bytes as they are; false on error.
    bool send_raw(const std::string& bytes);
    /// Sends "METHOD target HTTP/1.1\r\nHost: test\r\n<extra>\r\n" + body (Content-Length added when body
    /// set).
    bool send_request(const std::string& method, const std::string& target,
                      const std::string& extra_headers = "", const std::string& body = "");
    /// Reads one complete response (Content-Length framing); nullopt on timeout, error or EOF first.
    std::optional<ClientResponse> read_response();
    /// Shorthand: send_request + read_response.
    std::optional<ClientResponse> request(const std::string& method, const std::string& target,
                                          const std::string& extra_headers = "",
                                          const std::string& body = "");
    /// True when the server closed the connection (EOF seen within the timeout, after any buffered bytes).
    bool wait_closed();
    /// Closes our side now (abrupt client disconnect).
    void close();
    /// Half-close: no more requests (the server reads EOF), responses can still be read.
    void shutdown_send();
    /// Reads and drops up to `n` bytes (whatever is buffered first); returns how many arrived before EOF, an
    /// error or a timeout. May run on another thread than send_raw() (it touches only the read side).
    std::size_t discard(std::size_t n);

  private:
    bool fill();  ///< reads more bytes into buffer_; false on EOF, error or timeout
    int fd_ = -1;
    std::chrono::milliseconds timeout_;
    std::string buffer_;
    bool eof_ = false;
};

}  // namespace slowio::test
