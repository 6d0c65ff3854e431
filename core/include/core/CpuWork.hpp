#pragma once
/// \file The CPU-bound work of POST /work and of background jobs.

#include <cstdint>

namespace slowio {

/// CPU-bound work requested by POST /work?n=N: N dependent rounds of a 64-bit mix (splitmix64),
/// ~1–2 ns each, so cost is proportional to N and cannot be vectorized away.
struct CpuWork {
    std::uint32_t n = 0;
    static constexpr std::uint32_t default_n = 1'000'000;  ///< ~2 ms
    /// ~0.4 s: bounded so one request cannot hog forever
    static constexpr std::uint32_t max_n = 200'000'000;
};

/// Runs `n` rounds and returns the digest (deterministic for a given n).
std::uint64_t run_cpu_work(std::uint32_t n);

}  // namespace slowio
