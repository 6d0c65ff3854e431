#pragma once
#include <asio/ip/tcp.hpp>
#include <asio/steady_timer.hpp>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "ResponseParser.hpp"
#include "Timeline.hpp"

namespace slowio::loadgen {

class Worker;

/// One client connection's state machine, driven by its worker's io_context (single-threaded, so no locks).
///
/// Closed loop: connect, then send the next request the moment a response arrives.
/// Open loop (-R): the connection owns a fixed schedule, one request every connections/R seconds,
/// phase-shifted by its global index so the whole run is evenly spread. A request's latency is measured from
/// its INTENDED send time (wrk2's coordinated-omission correction); when the connection is still busy at that
/// time the request goes out as soon as it frees up and is counted as late, never skipped. Without keep-alive
/// every request opens its own connection (connect time is part of its latency). A request past --timeout is
/// counted, its connection closed and reopened.
///
/// --retries: a request that timed out or was shed (503) is resent on this connection after a backoff, and
/// counts once, by its final outcome, with its latency from its first intended send. --stages: a closed-loop
/// connection beyond the current step's target parks (closes) after its response and reconnects when a step
/// wants it again; an open-loop schedule is re-planned at each step's rate.
class Connection {
  public:
    /// `local` indexes the worker's per-connection counters; `global` (0..c-1) staggers connects and
    /// schedules.
    Connection(Worker& worker, std::size_t local, std::size_t global);
    Connection(const Connection&) = delete;
    Connection& operator=(const Connection&) = delete;

    /// Arms the first connect (staggered by --connect-rate) and, in open loop, the first scheduled send.
    void start();
    /// Called by the worker's periodic sweep: fails a request or a connect that has run past --timeout.
    void check_timeout(Clock::time_point now);
    /// The run's end: an idle connection closes now, a busy one after its response (or its timeout).
    void on_end();
    /// A --stages step began: park or unpark (closed loop), or re-plan the schedule at its rate (open loop).
    void on_stage_change(Clock::time_point now);
    /// True once the connection has closed for good.
    bool finished() const { return done_; }

  private:
    void connect();
    void on_connected(const std::error_code& ec);
    void retry_later();
    void schedule_next(bool after_busy);
    void begin_request(Clock::time_point intended, bool late);
    void send_attempt(bool late);
    std::optional<Clock::duration> retry_wait(Clock::time_point now, bool after_timeout);
    void resend_after(Clock::time_point now, Clock::duration wait, bool after_timeout);
    bool wanted(Clock::time_point now) const;
    void plan_schedule(const StageSpan* stage);
    void count_unsent(Clock::time_point until);
    void write_request();
    void read_response();
    void on_read(const std::error_code& ec, std::size_t n);
    void on_complete();
    void on_io_error(bool write);
    void after_failure();
    void close_socket();
    void finish();

    Worker& worker_;
    std::size_t local_;
    std::size_t global_;
    asio::ip::tcp::socket socket_;
    asio::steady_timer timer_;  // open-loop schedule, staggered first connect, connect back-off
    ResponseParser parser_;
    std::unique_ptr<char[]> buffer_;
    std::string scratch_;  // expanded request when paths are templates
    const std::string* request_ = nullptr;
    std::uint64_t generation_ = 0;  // bumped on close: completions of an older socket are ignored
    bool connected_ = false;
    bool connecting_ = false;
    bool in_flight_ = false;
    bool done_ = false;
    bool parked_ = false;        // --stages: not wanted by the current step (closed, no requests)
    bool waiting_slot_ = false;  // open loop: idle until next_intended_ (or until a re-plan)
    unsigned attempt_ = 0;       // --retries: resends of the current request so far
    Clock::time_point intended_{}, sent_{}, deadline_{}, connect_deadline_{};
    Clock::time_point next_intended_{};  // open loop
    Clock::duration period_{};           // open loop; zero while a step sends nothing
    Clock::time_point plan_end_{};       // open loop: the end of the step the schedule was planned for
    Clock::time_point connect_at_{};
};

}  // namespace slowio::loadgen
