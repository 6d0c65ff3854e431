#pragma once
/// \file Proof of life of the event loop, read by the watchdog thread.

#include <atomic>
#include <cstdint>

namespace slowio::async {

/// A counter the io threads bump whenever the loop makes progress (a lag tick, a response written).
/// The watchdog thread only compares successive values: "unchanged for longer than the bound" means no io
/// thread ran the ticker and none finished a request — the loop is stuck. Counting completed responses as
/// well as ticks keeps `blocking-store` (slow but alive: one response per L) from looking like a deadlock
/// even when the ticker itself waits behind many blocked handlers.
class Heartbeat {
  public:
    /// Records progress. Relaxed: the watchdog needs "changed or not", not ordering with other data.
    void beat() noexcept { beats_.fetch_add(1, std::memory_order_relaxed); }
    /// Beats so far.
    std::uint64_t beats() const noexcept { return beats_.load(std::memory_order_relaxed); }

  private:
    std::atomic<std::uint64_t> beats_{0};
};

}  // namespace slowio::async
