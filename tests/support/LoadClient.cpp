#include "LoadClient.hpp"

#include <sys/resource.h>

#include <algorithm>
#include <asio/co_spawn.hpp>
#include <asio/connect.hpp>
#include <asio/detached.hpp>
#include <asio/experimental/as_tuple.hpp>
#include <asio/io_context.hpp>
#include <asio/ip/tcp.hpp>
#include <asio/read.hpp>
#include <asio/steady_timer.hpp>
#include <asio/this_coro.hpp>
#include <asio/use_awaitable.hpp>
#include <asio/write.hpp>
#include <cctype>
#include <charconv>
#include <memory>
#include <string_view>

namespace slowio::test {

namespace {

using clock = std::chrono::steady_clock;
constexpr auto use_nothrow = asio::experimental::as_tuple(asio::use_awaitable);

struct Shared {
    clock::time_point window_begin;
    clock::time_point window_end;
    LoadResult result;
    double latency_sum_ms = 0;
    bool stop = false;
};

/// Extracts Content-Length from a header block (case-insensitive name); -1 if absent.
long content_length(std::string_view head) {
    for (std::size_t pos = 0; pos < head.size();) {
        const std::size_t eol = head.find("\r\n", pos);
        const std::string_view line = head.substr(pos, eol == std::string_view::npos ? eol : eol - pos);
        if (line.size() > 15) {
            std::string name(line.substr(0, 15));
            for (char& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
            if (name == "content-length:") {
                std::string_view v = line.substr(15);
                while (!v.empty() && v.front() == ' ') v.remove_prefix(1);
                long n = -1;
                std::from_chars(v.data(), v.data() + v.size(), n);
                return n;
            }
        }
        if (eol == std::string_view::npos) break;
        pos = eol + 2;
    }
    return -1;
}

asio::awaitable<void> client(std::uint16_t port, std::string request, std::shared_ptr<Shared> shared,
                             std::size_t index) {
    auto executor = co_await asio::this_coro::executor;
    asio::ip::tcp::socket socket(executor);
    const auto connected =
        co_await socket.async_connect({asio::ip::address_v4::loopback(), port}, use_nothrow);
    if (std::get<0>(connected)) {
        ++shared->result.errors;
        co_return;
    }
    socket.set_option(asio::ip::tcp::no_delay(true));
    std::string buffer;
    while (!shared->stop) {
        const auto sent_at = clock::now();
        const auto written = co_await asio::async_write(socket, asio::buffer(request), use_nothrow);
        if (std::get<0>(written)) break;
        // Read one response: headers, then Content-Length bytes of body.
        std::size_t header_end = std::string::npos;
        long length = -1;
        for (;;) {
            if (header_end == std::string::npos) {
                header_end = buffer.find("\r\n\r\n");
                if (header_end != std::string::npos)
                    length = content_length(std::string_view(buffer).substr(0, header_end));
            }
            if (header_end != std::string::npos && length >= 0 &&
                buffer.size() >= header_end + 4 + static_cast<std::size_t>(length)) {
                break;
            }
            char chunk[4096];
            const auto read = co_await socket.async_read_some(asio::buffer(chunk), use_nothrow);
            if (std::get<0>(read)) {
                if (!shared->stop) ++shared->result.errors;
                co_return;
            }
            buffer.append(chunk, std::get<1>(read));
        }
        const bool ok = buffer.compare(0, 10, "HTTP/1.1 2") == 0;
        buffer.erase(0, header_end + 4 + static_cast<std::size_t>(length));
        const auto done = clock::now();
        if (!ok) ++shared->result.errors;
        if (done >= shared->window_begin && done < shared->window_end) {
            ++shared->result.completed;
            if (ok) ++shared->result.ok;
            const double latency_ms = std::chrono::duration<double, std::milli>(done - sent_at).count();
            shared->latency_sum_ms += latency_ms;
            shared->result.latencies_ms.push_back(latency_ms);
            ++shared->result.per_connection[index];
        }
    }
}

}  // namespace

double LoadResult::median_latency_ms() const {
    if (latencies_ms.empty()) return 0;
    std::vector<double> sorted = latencies_ms;
    std::nth_element(sorted.begin(), sorted.begin() + static_cast<std::ptrdiff_t>(sorted.size() / 2),
                     sorted.end());
    return sorted[sorted.size() / 2];
}

LoadResult run_closed_loop(std::uint16_t port, std::size_t connections, const std::string& target,
                           std::chrono::milliseconds warmup, std::chrono::milliseconds window) {
    // Hundreds of sockets: make sure the soft open-files limit is not the default 1024.
    rlimit limit{};
    if (::getrlimit(RLIMIT_NOFILE, &limit) == 0 && limit.rlim_cur < limit.rlim_max) {
        limit.rlim_cur = limit.rlim_max;
        ::setrlimit(RLIMIT_NOFILE, &limit);
    }
    asio::io_context io(1);
    auto shared = std::make_shared<Shared>();
    const auto start = clock::now();
    shared->window_begin = start + warmup;
    shared->window_end = shared->window_begin + window;
    const std::string request = "GET " + target + " HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n";
    shared->result.per_connection.assign(connections, 0);
    for (std::size_t i = 0; i < connections; ++i)
        asio::co_spawn(io, client(port, request, shared, i), asio::detached);
    asio::steady_timer stopper(io, shared->window_end);
    stopper.async_wait([&](std::error_code) {
        shared->stop = true;
        io.stop();  // abandon requests still in flight; their frames are destroyed with the io_context
    });
    io.run();
    LoadResult result = shared->result;
    result.window_s = std::chrono::duration<double>(window).count();
    result.mean_latency_ms =
        result.completed ? shared->latency_sum_ms / static_cast<double>(result.completed) : 0;
    return result;
}

}  // namespace slowio::test
