#include "Connection.hpp"

#include <algorithm>
#include <asio/connect.hpp>
#include <asio/write.hpp>

#include "Worker.hpp"

namespace slowio::loadgen {

namespace {
constexpr std::size_t buffer_size = 4096;  // responses are streamed through it; 16k connections cost 64 MiB
constexpr auto connect_backoff = std::chrono::milliseconds(100);

std::chrono::nanoseconds seconds_to_ns(double s) {
    return std::chrono::nanoseconds(static_cast<std::int64_t>(s * 1e9));
}
}  // namespace

Connection::Connection(Worker& worker, std::size_t local, std::size_t global)
    : worker_(worker),
      local_(local),
      socket_(worker.io()),
      timer_(worker.io()),
      buffer_(std::make_unique<char[]>(buffer_size)) {
    const auto& cfg = worker.config();
    const auto& tl = worker.timeline();
    connect_at_ = tl.start;
    if (cfg.connect_rate > 0)
        connect_at_ += std::chrono::duration_cast<Clock::duration>(
            seconds_to_ns(static_cast<double>(global) / cfg.connect_rate));
    if (cfg.open_loop()) {
        // Connection g sends at start + g/R + k*c/R: together the c schedules form one evenly spaced stream
        // of R/s.
        period_ = std::chrono::duration_cast<Clock::duration>(
            seconds_to_ns(static_cast<double>(cfg.connections) / cfg.rate));
        next_intended_ = tl.start + std::chrono::duration_cast<Clock::duration>(
                                        seconds_to_ns(static_cast<double>(global) / cfg.rate));
    }
}

void Connection::start() {
    const auto& cfg = worker_.config();
    if (connect_at_ >= worker_.timeline().end) {
        finish();
        return;
    }
    if (!cfg.keepalive && cfg.open_loop()) {  // each request connects on its own schedule
        schedule_next(false);
        return;
    }
    const auto g = generation_;
    timer_.expires_at(connect_at_);
    timer_.async_wait([this, g](const std::error_code& ec) {
        if (ec || g != generation_ || done_) return;
        if (worker_.config().keepalive)
            connect();
        else
            schedule_next(false);
    });
}

void Connection::connect() {
    close_socket();
    connecting_ = true;
    connect_deadline_ = Clock::now() + worker_.config().timeout;
    const auto g = generation_;
    socket_.async_connect(worker_.endpoint(), [this, g](const std::error_code& ec) {
        if (g != generation_ || done_) return;
        on_connected(ec);
    });
}

void Connection::on_connected(const std::error_code& ec) {
    connecting_ = false;
    const auto& cfg = worker_.config();
    if (ec) {
        worker_.stats().on_connect_error(Clock::now());
        worker_.progress_errors.fetch_add(1, std::memory_order_relaxed);
        in_flight_ = false;  // a no-keepalive request dies with its connect
        close_socket();
        retry_later();
        return;
    }
    connected_ = true;
    std::error_code ignored;
    socket_.set_option(asio::ip::tcp::no_delay(true), ignored);
    if (cfg.keepalive)
        schedule_next(true);
    else
        write_request();
}

void Connection::retry_later() {
    if (Clock::now() >= worker_.timeline().end) {
        finish();
        return;
    }
    const auto g = generation_;
    timer_.expires_after(std::min<Clock::duration>(connect_backoff, worker_.config().timeout));
    timer_.async_wait([this, g](const std::error_code& ec) {
        if (ec || g != generation_ || done_) return;
        if (worker_.config().keepalive)
            connect();
        else
            schedule_next(true);
    });
}

void Connection::schedule_next(bool after_busy) {
    if (done_) return;
    const auto& cfg = worker_.config();
    const auto now = Clock::now();
    const auto end = worker_.timeline().end;
    if (now >= end) {
        finish();
        return;
    }
    if (!cfg.open_loop()) {
        begin_request(now, false);
        return;
    }
    if (next_intended_ >= end) {
        finish();
        return;
    }
    if (next_intended_ <= now) {
        // The slot came while this connection was busy (or connecting): send now, late, and let the
        // corrected latency carry the wait.
        begin_request(next_intended_, after_busy);
        return;
    }
    const auto g = generation_;
    timer_.expires_at(next_intended_);
    timer_.async_wait([this, g](const std::error_code& ec) {
        if (ec || g != generation_ || done_) return;
        if (Clock::now() >= worker_.timeline().end) {
            finish();
            return;
        }
        begin_request(next_intended_, false);
    });
}

void Connection::begin_request(Clock::time_point intended, bool late) {
    const auto& cfg = worker_.config();
    intended_ = intended;
    sent_ = Clock::now();
    deadline_ = sent_ + cfg.timeout;
    in_flight_ = true;
    if (cfg.open_loop()) next_intended_ += period_;
    worker_.stats().on_sent(intended, late);
    request_ = &worker_.requests().next(worker_.rng(), scratch_);
    parser_.reset(worker_.requests().head());
    if (cfg.keepalive)
        write_request();
    else
        connect();  // connect time is part of this request's latency
}

void Connection::write_request() {
    const auto g = generation_;
    asio::async_write(socket_, asio::buffer(*request_), [this, g](const std::error_code& ec, std::size_t) {
        if (g != generation_ || done_) return;
        if (ec)
            on_io_error(true);
        else
            read_response();
    });
}

void Connection::read_response() {
    const auto g = generation_;
    socket_.async_read_some(asio::buffer(buffer_.get(), buffer_size),
                            [this, g](const std::error_code& ec, std::size_t n) {
                                if (g != generation_ || done_) return;
                                on_read(ec, n);
                            });
}

void Connection::on_read(const std::error_code& ec, std::size_t n) {
    if (!in_flight_) return;  // already failed by the timeout sweep
    if (ec) {
        if (ec == asio::error::eof && parser_.feed_eof() == ResponseParser::Status::complete)
            on_complete();
        else
            on_io_error(false);
        return;
    }
    worker_.stats().on_bytes(n);
    switch (parser_.feed(buffer_.get(), n)) {
        case ResponseParser::Status::incomplete:
            read_response();
            break;
        case ResponseParser::Status::complete:
            on_complete();
            break;
        case ResponseParser::Status::error:
            on_io_error(false);
            break;
    }
}

void Connection::on_complete() {
    const auto now = Clock::now();
    in_flight_ = false;
    worker_.stats().on_response(local_, intended_, sent_, now, parser_.status_code());
    worker_.progress_completed.fetch_add(1, std::memory_order_relaxed);
    const auto& cfg = worker_.config();
    if (!cfg.keepalive) {
        close_socket();
        schedule_next(true);
    } else if (!parser_.keep_alive()) {
        // The server chose to close (e.g. Connection: close on a 503): reopen and carry on.
        if (now >= worker_.timeline().end) {
            finish();
            return;
        }
        worker_.stats().on_reconnect(now);
        connect();
    } else {
        schedule_next(true);
    }
}

void Connection::on_io_error(bool write) {
    const auto now = Clock::now();
    in_flight_ = false;
    worker_.stats().on_io_error(write, intended_, now);
    worker_.progress_errors.fetch_add(1, std::memory_order_relaxed);
    after_failure();
}

void Connection::after_failure() {
    close_socket();
    const auto now = Clock::now();
    if (now >= worker_.timeline().end) {
        finish();
        return;
    }
    if (worker_.config().keepalive) {
        worker_.stats().on_reconnect(now);
        connect();
    } else {
        schedule_next(true);
    }
}

void Connection::check_timeout(Clock::time_point now) {
    if (done_) return;
    if (in_flight_ && now >= deadline_) {
        in_flight_ = false;
        connecting_ = false;
        worker_.stats().on_timeout(intended_, sent_, now);
        worker_.progress_errors.fetch_add(1, std::memory_order_relaxed);
        after_failure();
    } else if (connecting_ && !in_flight_ && now >= connect_deadline_) {
        connecting_ = false;
        worker_.stats().on_connect_error(now);
        worker_.progress_errors.fetch_add(1, std::memory_order_relaxed);
        close_socket();
        retry_later();
    }
}

void Connection::on_end() {
    if (done_ || in_flight_) return;  // a request in flight finishes (or times out) first
    finish();
}

void Connection::close_socket() {
    ++generation_;  // completions still queued for the old socket must not touch the new one
    connected_ = false;
    std::error_code ignored;
    if (socket_.is_open()) {
        socket_.close(ignored);
    }
}

void Connection::finish() {
    if (done_) return;
    close_socket();
    done_ = true;
    in_flight_ = false;
    connecting_ = false;
    timer_.cancel();
    const auto& cfg = worker_.config();
    const auto& tl = worker_.timeline();
    if (cfg.open_loop() && next_intended_ < tl.end && period_.count() > 0) {
        // Slots this connection never got to: reported, never dropped silently.
        const auto slots_until = [&](Clock::time_point from) -> std::uint64_t {
            if (from >= tl.end) return 0;
            return static_cast<std::uint64_t>((tl.end - from + period_ - Clock::duration(1)) / period_);
        };
        const std::uint64_t total = slots_until(next_intended_);
        std::uint64_t before_window = 0;  // slots still in the warm-up
        if (next_intended_ < tl.warmup_end)
            before_window = static_cast<std::uint64_t>(
                (tl.warmup_end - next_intended_ + period_ - Clock::duration(1)) / period_);
        const std::uint64_t window = total > before_window ? total - before_window : 0;
        worker_.stats().on_unsent(total, window);
    }
    worker_.connection_finished();
}

}  // namespace slowio::loadgen
