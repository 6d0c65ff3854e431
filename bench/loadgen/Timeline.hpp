#pragma once
#include <chrono>
#include <cstddef>
#include <vector>

namespace slowio::loadgen {

/// The clock every measurement uses: monotonic, so NTP steps cannot bend a latency.
using Clock = std::chrono::steady_clock;

/// One --stages step on the run's clock.
struct StageSpan {
    Clock::time_point start;  ///< first instant of the step
    Clock::time_point end;    ///< first instant after it
    double target = 0;        ///< connections (closed loop) or requests/s (open loop)
};

/// The run's fixed instants, shared read-only by every thread. A request belongs to the steady window when
/// its INTENDED send time lies in [warmup_end, end): it is then reported whenever it finishes, so a slow
/// response that straddles the end is still counted rather than silently dropped.
struct Timeline {
    Clock::time_point start;       ///< first connect; time-series t = 0
    Clock::time_point warmup_end;  ///< start of the steady window
    Clock::time_point end;         ///< no request is started at or after this
    Clock::time_point drain_end;   ///< end + timeout (+ slack): threads stop even if something is stuck
    Clock::duration interval;      ///< time-series bucket width

    std::vector<StageSpan> stages;  ///< --stages on this clock; empty: one load level for the whole run

    /// The stage holding `t` (the first before it starts, the last from its end on); 0 without --stages.
    std::size_t stage_index(Clock::time_point t) const {
        std::size_t i = 0;
        while (i + 1 < stages.size() && t >= stages[i].end) ++i;
        return stages.empty() ? 0 : i;
    }
    /// True when `t` lies in the steady window.
    bool in_window(Clock::time_point t) const { return t >= warmup_end && t < end; }
    /// Time-series bucket of instant `t` (0 for anything before start).
    std::size_t interval_index(Clock::time_point t) const {
        return t <= start ? 0 : static_cast<std::size_t>((t - start) / interval);
    }
};

}  // namespace slowio::loadgen
