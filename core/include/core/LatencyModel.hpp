#pragma once
/// \file The simulated I/O latency in front of the store: constant, or with seeded jitter.

#include <chrono>
#include <cstdint>
#include <mutex>
#include <random>
#include <string>
#include <string_view>

namespace slowio {

/// Samples the wait of each store call. Thread-safe (one mutex-guarded PRNG: a sample costs ~50 ns,
/// negligible against millisecond waits, and one shared sequence keeps a seeded run reproducible).
class LatencyModel {
  public:
    /// Shape of the jitter added to the base latency.
    enum class Jitter { none, uniform, exponential };

    /// Constant `base`; `jitter` none.
    explicit LatencyModel(std::chrono::milliseconds base = std::chrono::milliseconds(2000));
    /// `uniform`: base + U(-amount, +amount), clamped at 0; `exponential`: base + Exp(mean = amount).
    LatencyModel(std::chrono::milliseconds base, Jitter jitter, std::chrono::milliseconds amount,
                 std::uint64_t seed);

    /// Parses the `--store-jitter` syntax: "none", "uniform:MS" or "exponential:MS"; `seed` 0 draws one from
    /// std::random_device (describe() names it). Throws std::invalid_argument with a one-line reason on bad input.
    static LatencyModel parse(std::chrono::milliseconds base, std::string_view jitter_spec,
                              std::uint64_t seed);

    /// The next wait.
    std::chrono::nanoseconds sample();
    /// The base latency (the mean for `none` and `uniform`).
    std::chrono::milliseconds base() const { return base_; }
    /// Mean of the distribution (what Little's law should use).
    std::chrono::nanoseconds mean() const;
    /// e.g. "constant 2000ms", "2000ms + uniform ±100ms (seed 1)".
    std::string describe() const;

  private:
    std::chrono::milliseconds base_;
    Jitter jitter_ = Jitter::none;
    std::chrono::milliseconds amount_{0};
    std::uint64_t seed_ = 0;
    std::mutex mutex_;
    std::mt19937_64 rng_;
};

}  // namespace slowio
