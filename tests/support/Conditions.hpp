#pragma once
/// \file Test support: waiting on a condition with a deadline instead of sleeping a fixed time, and
/// elapsed-time helpers. Deadlines are generous (a sanitizer build beside another test is slow); tests assert
/// the bound they care about, not how fast this machine is.

#include <chrono>
#include <thread>

namespace slowio::test {

/// The clock every test measures with.
using Clock = std::chrono::steady_clock;

/// Polls `pred` every 10 ms until it holds or `limit` passes; returns its last value.
template <typename Pred>
bool eventually(Pred pred, std::chrono::milliseconds limit = std::chrono::seconds(5)) {
    const auto deadline = Clock::now() + limit;
    while (Clock::now() < deadline) {
        if (pred()) return true;
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return pred();
}

/// Milliseconds since `t`.
inline double ms_since(Clock::time_point t) {
    return std::chrono::duration<double, std::milli>(Clock::now() - t).count();
}

/// Seconds since `t`.
inline double seconds_since(Clock::time_point t) {
    return std::chrono::duration<double>(Clock::now() - t).count();
}

}  // namespace slowio::test
