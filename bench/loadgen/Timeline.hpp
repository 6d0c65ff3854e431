#pragma once
#include <chrono>

namespace slowio::loadgen {

/// The clock every measurement uses: monotonic, so NTP steps cannot bend a latency.
using Clock = std::chrono::steady_clock;

/// The run's fixed instants, shared read-only by every thread. A request belongs to the steady window when
/// its INTENDED send time lies in [warmup_end, end): it is then reported whenever it finishes, so a slow
/// response that straddles the end is still counted rather than silently dropped.
struct Timeline {
    Clock::time_point start;       ///< first connect; time-series t = 0
    Clock::time_point warmup_end;  ///< start of the steady window
    Clock::time_point end;         ///< no request is started at or after this
    Clock::time_point drain_end;   ///< end + timeout (+ slack): threads stop even if something is stuck
    Clock::duration interval;      ///< time-series bucket width

    /// True when `t` lies in the steady window.
    bool in_window(Clock::time_point t) const { return t >= warmup_end && t < end; }
    /// Time-series bucket of instant `t` (0 for anything before start).
    std::size_t interval_index(Clock::time_point t) const {
        return t <= start ? 0 : static_cast<std::size_t>((t - start) / interval);
    }
};

}  // namespace slowio::loadgen
