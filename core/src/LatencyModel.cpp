#include "core/LatencyModel.hpp"

#include <fmt/format.h>

#include <cmath>
#include <limits>
#include <random>
#include <stdexcept>

#include "core/ParseDecimal.hpp"

namespace slowio {

using std::chrono::milliseconds;
using std::chrono::nanoseconds;

LatencyModel::LatencyModel(milliseconds base) : base_(base), rng_(0) {}

LatencyModel::LatencyModel(milliseconds base, Jitter jitter, milliseconds amount, std::uint64_t seed)
    : base_(base), jitter_(jitter), amount_(amount), seed_(seed), rng_(seed) {}

LatencyModel LatencyModel::parse(milliseconds base, std::string_view spec, std::uint64_t seed) {
    if (base.count() < 0) throw std::invalid_argument("store latency must be >= 0 ms");
    if (seed == 0) {
        // A run of its own draws (repetitions that should differ, as a real store's waits do); describe()
        // prints the seed drawn, so the run can still be repeated. Made odd: never 0 again.
        std::random_device device;
        seed = (std::uint64_t{device()} << 32 | device()) | 1;
    }
    if (spec.empty() || spec == "none") return LatencyModel(base, Jitter::none, milliseconds(0), seed);
    const auto colon = spec.find(':');
    const std::string_view kind = spec.substr(0, colon);
    Jitter jitter;
    if (kind == "uniform") {
        jitter = Jitter::uniform;
    } else if (kind == "exponential" || kind == "exp") {
        jitter = Jitter::exponential;
    } else {
        throw std::invalid_argument(
            fmt::format("bad --store-jitter '{}': expected none, uniform:MS or exponential:MS", spec));
    }
    const auto amount =
        colon == std::string_view::npos
            ? std::nullopt
            : parse_decimal<long long>(spec.substr(colon + 1), 0, std::numeric_limits<long long>::max());
    if (!amount) {
        throw std::invalid_argument(
            fmt::format("bad --store-jitter '{}': the amount must be a non-negative number of ms", spec));
    }
    return LatencyModel(base, jitter, milliseconds(*amount), seed);
}

nanoseconds LatencyModel::sample() {
    if (jitter_ == Jitter::none || amount_.count() == 0) return base_;
    // Distributions are computed by hand from raw mt19937_64 output: std::*_distribution algorithms differ
    // between standard libraries, and a seeded run must give the same waits everywhere.
    double u;
    {
        std::lock_guard lock(mutex_);
        u = static_cast<double>(rng_() >> 11) * 0x1.0p-53;  // [0, 1)
    }
    const double base_ns = static_cast<double>(nanoseconds(base_).count());
    const double amount_ns = static_cast<double>(nanoseconds(amount_).count());
    double ns = base_ns;
    if (jitter_ == Jitter::uniform) {
        ns += (2.0 * u - 1.0) * amount_ns;
    } else {
        ns += -std::log1p(-u) * amount_ns;
    }
    return nanoseconds(static_cast<std::int64_t>(std::max(0.0, ns)));
}

nanoseconds LatencyModel::mean() const {
    // Uniform clamped at 0 has a slightly higher mean when amount > base; ignored: such settings are odd.
    if (jitter_ == Jitter::exponential) return base_ + amount_;
    return base_;
}

std::string LatencyModel::describe() const {
    switch (jitter_) {
        case Jitter::none:
            return fmt::format("constant {}ms", base_.count());
        case Jitter::uniform:
            return fmt::format("{}ms + uniform ±{}ms (seed {})", base_.count(), amount_.count(), seed_);
        case Jitter::exponential:
            return fmt::format("{}ms + exponential mean {}ms (seed {})", base_.count(), amount_.count(),
                               seed_);
    }
    return {};
}

}  // namespace slowio
