#pragma once
/// \file Adds the lifetime of a scope to a `*_seconds_total` counter, so a rate of that counter is "how many
/// of these were in progress on average" (Little's law on the server side).

#include <prometheus/counter.h>

#include <chrono>

namespace slowio {

/// Adds the seconds between construction and destruction to a counter (thread-safe: Counter is atomic).
/// Lives on the stack of the thread (or in the coroutine frame) whose time it measures.
class ElapsedSeconds {
  public:
    /// Starts timing now; `counter` must outlive this object.
    explicit ElapsedSeconds(prometheus::Counter& counter)
        : counter_(counter), start_(std::chrono::steady_clock::now()) {}
    ElapsedSeconds(const ElapsedSeconds&) = delete;
    ElapsedSeconds& operator=(const ElapsedSeconds&) = delete;
    /// Adds the elapsed time.
    ~ElapsedSeconds() {
        counter_.Increment(std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count());
    }

  private:
    prometheus::Counter& counter_;
    std::chrono::steady_clock::time_point start_;
};

}  // namespace slowio
