#pragma once
/// \file Event-loop lag: the async analogue of thread-pool starvation.

#include <asio/any_io_executor.hpp>
#include <asio/awaitable.hpp>
#include <atomic>
#include <chrono>

#include "core/Metrics.hpp"
#include "server_async/Heartbeat.hpp"

namespace slowio::async {

/// A coroutine on the io_context that sleeps `period` (10 ms) at a time and records how late it woke
/// (eventloop_lag_seconds histogram, eventloop_lag_max_seconds gauge). Anything that holds an io thread —
/// inline POST /work, a blocking store call, a thread parked on a future — delays the wake-up, so the lag
/// shows it. Each tick also beats the Heartbeat the deadlock watchdog reads.
class LagMonitor {
  public:
    /// `executor` is the io_context's (not a strand: any free io thread may run the tick). The metrics and
    /// the heartbeat must outlive the io_context's run.
    LagMonitor(asio::any_io_executor executor, EventLoopMetrics& metrics, Heartbeat& heartbeat,
               std::chrono::milliseconds period = std::chrono::milliseconds(10));

    /// Spawns the ticker on the executor.
    void start();
    /// Asks the ticker to finish at its next tick (thread-safe; no timer cancel, which would race with the
    /// ticker running on another io thread). At most one period later the io_context has no work from it.
    void stop() noexcept { stopped_.store(true, std::memory_order_relaxed); }

  private:
    asio::awaitable<void> tick_loop();

    asio::any_io_executor executor_;
    EventLoopMetrics& metrics_;
    Heartbeat& heartbeat_;
    std::chrono::milliseconds period_;
    std::atomic<bool> stopped_{false};
};

}  // namespace slowio::async
