#pragma once
#include <chrono>
#include <optional>
#include <random>
#include <string>
#include <string_view>

#include "Timeline.hpp"

namespace slowio::loadgen {

/// How a client waits before it resends (--retry-backoff).
enum class Backoff {
    none,         ///< resend at once
    exponential,  ///< full jitter: retry k waits uniform(0, min(cap, base * 2^k))
};

/// --retries and --retry-backoff: a request that timed out or was shed (503) is resent, up to `retries`
/// times, after a wait. Full jitter as in the AWS architecture blog's "Exponential Backoff And Jitter"; a
/// server's `Retry-After` is honoured when it asks for longer. Pure (the random source is passed in), so the
/// schedule is tested without a clock.
struct RetryPolicy {
    unsigned retries = 0;                     ///< resends per request; 0 = a failure is final
    Backoff backoff = Backoff::none;          ///< how the wait grows
    std::chrono::milliseconds base{100};      ///< exponential: the first retry's ceiling
    std::chrono::milliseconds cap{10'000};    ///< exponential: no ceiling beyond this
    static constexpr std::string_view help =  ///< --retry-backoff's help text
        "none | exponential:BASE_MS[:CAP_MS] (full jitter; CAP_MS default 10000)";

    /// Parses --retry-backoff ("none", "exponential:BASE_MS[:CAP_MS]") into `backoff`, `base` and `cap`;
    /// false with a one-line `error` otherwise.
    bool parse_backoff(std::string_view spec, std::string& error);
    /// The --retry-backoff spec this policy stands for ("none", "exponential:100:10000").
    std::string backoff_spec() const;
    /// The wait before retry `k` (0 = the first retry): the jittered backoff, or `retry_after` when longer.
    Clock::duration delay(unsigned k, std::mt19937_64& rng, Clock::duration retry_after) const;
};

/// The name of a Backoff, as --retry-backoff spells it.
std::string_view to_string(Backoff b);

}  // namespace slowio::loadgen
