#pragma once
#include <cstdint>
#include <optional>
#include <vector>

#include "LatencyHistogram.hpp"
#include "Timeline.hpp"

namespace slowio::loadgen {

/// Request outcome counters. One set for the steady window and one for the whole run (warm-up and drain
/// included): the latter is what must equal a server's own counter.
struct RequestCounts {
    std::uint64_t completed = 0;     ///< responses received, any status
    std::uint64_t ok = 0;            ///< 2xx and 3xx
    std::uint64_t status_4xx = 0;    ///< 4xx
    std::uint64_t status_5xx = 0;    ///< 5xx other than 503
    std::uint64_t status_503 = 0;    ///< 503, counted apart: it is load shedding, not failure
    std::uint64_t status_other = 0;  ///< 1xx or nonsense codes
    std::uint64_t connect = 0;       ///< connect attempts that failed
    std::uint64_t read = 0;          ///< resets, early EOF, unparsable responses
    std::uint64_t write = 0;         ///< failed request writes
    std::uint64_t timeout = 0;       ///< requests past --timeout (connection closed and reopened)
    std::uint64_t late = 0;    ///< open loop: sent after their intended time because no connection was free
    std::uint64_t unsent = 0;  ///< open loop: intended before the end but never sent
    std::uint64_t reconnects = 0;  ///< connections reopened after a close, error or timeout
    std::uint64_t sent = 0;        ///< requests written (or attempted)
    std::uint64_t bytes_read = 0;  ///< response bytes
    /// --retries: resends (each request above counts once, by its final outcome; these are the attempts
    /// before it)
    std::uint64_t retries = 0;
    std::uint64_t retries_after_timeout = 0;  ///< resends of an attempt that timed out
    std::uint64_t retries_after_503 = 0;  ///< resends of an attempt the server shed (its 503 is not above)

    /// Every failure category (connect, read, write, timeout, 4xx, 5xx, 503).
    std::uint64_t errors() const {
        return connect + read + write + timeout + status_4xx + status_5xx + status_503;
    }
    /// Adds `o` into this.
    void merge(const RequestCounts& o);
};

/// One time-series bucket (by completion time) for the client side of the starvation timeline.
struct IntervalStats {
    std::uint64_t completed = 0;  ///< responses finished in this interval
    std::uint64_t errors = 0;     ///< failures in this interval
    std::uint64_t ok = 0;         ///< 2xx-3xx responses in this interval: the goodput
    std::uint64_t timeouts = 0;   ///< requests that timed out for good in this interval
    std::uint64_t shed = 0;       ///< final 503s in this interval
    std::uint64_t retries = 0;    ///< resends decided in this interval
    LatencyHistogram latency;     ///< corrected latency of those responses (and timeouts, at their age)
    LatencyHistogram latency_uncorrected;  ///< the same from the actual send time (with --hlog only)
    /// Adds `o` into this.
    void merge(const IntervalStats& o);
};

/// One --stages step's figures: requests by first intended send time in the step, goodput by completion time.
struct StageStats {
    RequestCounts counts;       ///< requests intended in the step, by final outcome
    std::uint64_t ok_done = 0;  ///< 2xx-3xx responses completing in the step (goodput = ok_done / length)
    LatencyHistogram latency;   ///< corrected latency of the requests intended in the step
    /// Adds `o` into this.
    void merge(const StageStats& o);
};

/// Everything one worker thread measures. Owned by the thread (no locks on the hot path); merged after join.
class ThreadStats {
  public:
    ThreadStats() = default;
    /// `connections` sizes the per-connection completion counters; `interval_uncorrected` keeps the
    /// per-interval uncorrected histograms, which only --hlog reads (off: no second record per response).
    ThreadStats(const Timeline& timeline, std::size_t connections, bool interval_uncorrected = false);

    /// A response finished. `intended` is the scheduled send time (== `sent` in closed loop).
    void on_response(std::size_t conn, Clock::time_point intended, Clock::time_point sent,
                     Clock::time_point now, unsigned status);
    /// A request passed --timeout; recorded in the latency histograms too, at its age, so it is never hidden.
    void on_timeout(Clock::time_point intended, Clock::time_point sent, Clock::time_point now);
    /// A read or write failure of the request sent at `intended`.
    void on_io_error(bool write, Clock::time_point intended, Clock::time_point now);
    /// A failed connect attempt at `now`.
    void on_connect_error(Clock::time_point now);
    /// The attempt of the request first intended at `intended` failed (timed out, or shed with a 503) and
    /// will be resent.
    void on_retry(Clock::time_point intended, Clock::time_point now, bool after_timeout);
    /// A request was written.
    void on_sent(Clock::time_point intended, bool late);
    /// `window` of the `total` never-sent requests had intended times in the steady window.
    void on_unsent(std::uint64_t total, std::uint64_t window);
    /// A connection was reopened.
    void on_reconnect(Clock::time_point now);
    /// Bytes read from the network.
    void on_bytes(std::size_t n) { total.bytes_read += n; }
    /// A connection's first scheduled action (its first connect) ran `late` after it was due.
    void on_first_action(Clock::duration late) {
        if (!start_late || late < *start_late) start_late = late;
    }

    /// Adds another thread's statistics (per-connection counts are appended).
    void merge(const ThreadStats& other);

    LatencyHistogram latency;               ///< steady window, from intended send time (CO-corrected)
    LatencyHistogram latency_uncorrected;   ///< steady window, from actual send time
    RequestCounts window;                   ///< steady window, by intended send time
    RequestCounts total;                    ///< whole run
    std::uint64_t completed_in_window = 0;  ///< responses whose completion time is in the window (throughput)
    std::uint64_t ok_in_window = 0;         ///< 2xx-3xx among those
    double busy_ns = 0;                     ///< request-in-flight time inside the window (Little's law)
    std::vector<std::uint64_t> per_connection;  ///< steady-window responses per connection
    std::vector<IntervalStats> intervals;       ///< time series, by completion time
    std::vector<StageStats> stages;             ///< one per --stages step (empty without)
    /// How late this worker actually started: its earliest action after it was due (nullopt: none was due).
    /// Merged, the latest worker's: what --start-at promised against what happened.
    std::optional<Clock::duration> start_late;

  private:
    IntervalStats& interval_at(Clock::time_point t);
    /// The counts of the step `intended` lies in, or nullptr without --stages.
    RequestCounts* stage_counts(Clock::time_point intended);
    void add_busy(Clock::time_point sent, Clock::time_point now);
    Timeline timeline_{};
    bool interval_uncorrected_ = false;
};

}  // namespace slowio::loadgen
