#include "Connection.hpp"

#include <algorithm>
#include <asio/connect.hpp>
#include <asio/write.hpp>

#include "Worker.hpp"

namespace slowio::loadgen {

namespace {
constexpr std::size_t response_buffer_size = 4096;  // responses are streamed through it; 16k connections cost 64 MiB
constexpr auto connect_backoff = std::chrono::milliseconds(100);

std::chrono::nanoseconds seconds_to_ns(double s) {
    return std::chrono::nanoseconds(static_cast<std::int64_t>(s * 1e9));
}
}  // namespace

Connection::Connection(Worker& worker, std::size_t local, std::size_t global)
    : worker_(worker),
      local_(local),
      global_(global),
      socket_(worker.io()),
      timer_(worker.io()),
      buffer_(std::make_unique<char[]>(response_buffer_size)) {
    const auto& cfg = worker.config();
    const auto& tl = worker.timeline();
    connect_at_ = tl.start;
    if (cfg.connect_rate > 0)
        connect_at_ += std::chrono::duration_cast<Clock::duration>(
            seconds_to_ns(static_cast<double>(global) / cfg.connect_rate));
    if (cfg.open_loop()) plan_schedule(tl.stages.empty() ? nullptr : &tl.stages.front());
}

void Connection::plan_schedule(const StageSpan* stage) {
    // Connection g sends at from + g/R + k*c/R: together the c schedules form one evenly spaced stream of
    // R/s. A step at rate 0 sends nothing: the next step's re-plan wakes the connection.
    const auto& cfg = worker_.config();
    const double rate = stage ? stage->target : cfg.rate;
    const auto from = stage ? stage->start : worker_.timeline().start;
    plan_end_ = stage ? stage->end : worker_.timeline().end;
    if (rate <= 0) {
        period_ = Clock::duration::zero();
        next_intended_ = plan_end_;
        return;
    }
    period_ = std::chrono::duration_cast<Clock::duration>(
        seconds_to_ns(static_cast<double>(cfg.connections) / rate));
    next_intended_ = from + std::chrono::duration_cast<Clock::duration>(
                                seconds_to_ns(static_cast<double>(global_) / rate));
}

bool Connection::wanted(Clock::time_point now) const {
    const auto& tl = worker_.timeline();
    if (tl.stages.empty() || worker_.config().open_loop()) return true;
    return static_cast<double>(global_) < tl.stages[tl.stage_index(now)].target;
}

void Connection::on_stage_change(Clock::time_point now) {
    if (done_) return;
    const auto& tl = worker_.timeline();
    if (worker_.config().open_loop()) {
        count_unsent(plan_end_);  // late slots of the step that ended are not sent in the next one
        plan_schedule(&tl.stages[tl.stage_index(now)]);
        if (waiting_slot_) {  // idle: wait for the new plan's first slot instead of the old one's
            waiting_slot_ = false;
            timer_.cancel();
            schedule_next(false);
        }
        return;
    }
    // Closed loop: a parked connection the step wants reconnects; one it no longer wants parks after its
    // response (schedule_next).
    if (!parked_ || !wanted(now)) return;
    parked_ = false;
    if (worker_.config().keepalive)
        connect();
    else
        schedule_next(false);
}

void Connection::start() {
    const auto& cfg = worker_.config();
    if (connect_at_ >= worker_.timeline().end) {
        finish();
        return;
    }
    if (!wanted(worker_.timeline().start)) {  // --stages: the first step does not want this connection yet
        parked_ = true;
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
        // A worker thread scheduled late (a loaded host) fires its first timers late: that is how late it
        // started.
        worker_.stats().on_first_action(std::max(Clock::duration::zero(), Clock::now() - connect_at_));
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
    if (in_flight_)  // a request waits for this connection: no keep-alive, or a resend after a reconnect
        write_request();
    else
        schedule_next(true);
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
        // A worker thread scheduled late (a loaded host) fires its first timers late: that is how late it
        // started.
        worker_.stats().on_first_action(std::max(Clock::duration::zero(), Clock::now() - connect_at_));
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
        if (!wanted(now)) {  // --stages: beyond this step's connections
            close_socket();
            parked_ = true;
            return;
        }
        begin_request(now, false);
        return;
    }
    if (next_intended_ >= end) {
        finish();
        return;
    }
    if (period_ == Clock::duration::zero() || next_intended_ >= plan_end_) {
        waiting_slot_ = true;  // this step sends no more on this connection: the next step re-plans
        return;
    }
    if (next_intended_ <= now) {
        // The slot came while this connection was busy (or connecting): send now, late, and let the
        // corrected latency carry the wait.
        begin_request(next_intended_, after_busy);
        return;
    }
    const auto g = generation_;
    waiting_slot_ = true;
    timer_.expires_at(next_intended_);
    timer_.async_wait([this, g](const std::error_code& ec) {
        if (ec || g != generation_ || done_) return;
        waiting_slot_ = false;
        if (Clock::now() >= worker_.timeline().end) {
            finish();
            return;
        }
        begin_request(next_intended_, false);
    });
}

void Connection::begin_request(Clock::time_point intended, bool late) {
    intended_ = intended;
    attempt_ = 0;
    if (worker_.config().open_loop()) next_intended_ += period_;
    request_ = &worker_.requests().next(worker_.rng(), scratch_);
    send_attempt(late);
}

void Connection::send_attempt(bool late) {
    const auto& cfg = worker_.config();
    sent_ = Clock::now();
    deadline_ = sent_ + cfg.timeout;
    in_flight_ = true;
    worker_.stats().on_sent(intended_, late);
    parser_.reset(worker_.requests().head());
    if (cfg.keepalive && connected_) {
        write_request();
        return;
    }
    if (cfg.keepalive) worker_.stats().on_reconnect(sent_);  // a resend after its connection was closed
    connect();  // without keep-alive, connect time is part of this request's latency
}

std::optional<Clock::duration> Connection::retry_wait(Clock::time_point now, bool after_timeout) {
    const auto& policy = worker_.config().retry;
    if (attempt_ >= policy.retries) return std::nullopt;
    const auto asked = after_timeout ? Clock::duration::zero()
                                     : std::chrono::duration_cast<Clock::duration>(parser_.retry_after());
    const auto wait = policy.delay(attempt_, worker_.rng(), asked);
    if (now + wait >= worker_.timeline().end) return std::nullopt;  // no request is sent from the end on
    return wait;
}

void Connection::resend_after(Clock::time_point now, Clock::duration wait, bool after_timeout) {
    ++attempt_;
    worker_.stats().on_retry(intended_, now, after_timeout);
    in_flight_ = true;  // the client still waits for this request: the run's end lets it finish
    deadline_ = Clock::time_point::max();  // no attempt is out while backing off
    const auto g = generation_;            // taken after any close, so the resend goes out on the new socket
    timer_.expires_after(wait);
    timer_.async_wait([this, g](const std::error_code& ec) {
        if (ec || g != generation_ || done_) return;
        send_attempt(false);
    });
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
    socket_.async_read_some(asio::buffer(buffer_.get(), response_buffer_size),
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
    if (parser_.status_code() == 503) {
        if (const auto wait = retry_wait(now, false)) {
            if (!worker_.config().keepalive || !parser_.keep_alive()) close_socket();
            resend_after(now, *wait, false);
            return;
        }
    }
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
        if (const auto wait = retry_wait(now, true)) {
            close_socket();  // as without retries: a timed-out attempt's connection is not reused
            resend_after(now, *wait, true);
            return;
        }
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
    if (cfg.open_loop()) count_unsent(std::min(tl.end, plan_end_));
    worker_.connection_finished();
}

void Connection::count_unsent(Clock::time_point until) {
    // Slots of the current plan this connection never got to: reported, never dropped silently.
    if (period_.count() <= 0 || next_intended_ >= until) return;
    const auto& tl = worker_.timeline();
    const auto slots = [&](Clock::time_point to) -> std::uint64_t {
        if (next_intended_ >= to) return 0;
        return static_cast<std::uint64_t>((to - next_intended_ + period_ - Clock::duration(1)) / period_);
    };
    const std::uint64_t total = slots(until);
    const std::uint64_t before_window = slots(std::min(until, tl.warmup_end));  // still in the warm-up
    const std::uint64_t after_window = total - slots(std::min(until, tl.end));
    worker_.stats().on_unsent(total, total - before_window - after_window);
    next_intended_ = until;
}

}  // namespace slowio::loadgen
