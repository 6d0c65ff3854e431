#include "LatencyHistogram.hpp"

#include <algorithm>
#include <bit>
#include <cmath>

namespace slowio::loadgen {

namespace {
constexpr std::uint64_t linear_limit = 1ULL << (LatencyHistogram::sub_bucket_bits + 1);  // 256
constexpr std::uint64_t sub_buckets = 1ULL << LatencyHistogram::sub_bucket_bits;         // 128
}  // namespace

std::size_t LatencyHistogram::index_of(std::uint64_t v) {
    if (v < linear_limit) return static_cast<std::size_t>(v);
    const int exponent = 63 - std::countl_zero(v);  // >= sub_bucket_bits + 1
    const int shift = exponent - sub_bucket_bits;
    const std::uint64_t mantissa = v >> shift;  // in [128, 256)
    return static_cast<std::size_t>(linear_limit +
                                    static_cast<std::uint64_t>(exponent - sub_bucket_bits - 1) * sub_buckets +
                                    (mantissa - sub_buckets));
}

std::uint64_t LatencyHistogram::lower_bound_of(std::size_t index) {
    if (index < linear_limit) return index;
    const std::uint64_t rel = index - linear_limit;
    const std::uint64_t octave = rel / sub_buckets;  // 0 for [256, 512)
    const std::uint64_t mantissa = sub_buckets + rel % sub_buckets;
    return mantissa << (octave + 1);
}

std::uint64_t LatencyHistogram::width_of(std::size_t index) {
    if (index < linear_limit) return 1;
    return 1ULL << ((index - linear_limit) / sub_buckets + 1);
}

void LatencyHistogram::record(std::uint64_t value_ns, std::uint64_t count) {
    if (count == 0) return;
    if (value_ns > max_value_ns) {
        value_ns = max_value_ns;
        saturated_ += count;
    }
    const std::size_t idx = index_of(value_ns);
    if (idx >= counts_.size()) counts_.resize(idx + 1, 0);
    counts_[idx] += count;
    count_ += count;
    min_ = std::min(min_, value_ns);
    max_ = std::max(max_, value_ns);
    const long double v = static_cast<long double>(value_ns);
    sum_ += v * count;
    sum_sq_ += v * v * count;
}

void LatencyHistogram::merge(const LatencyHistogram& other) {
    if (other.counts_.size() > counts_.size()) counts_.resize(other.counts_.size(), 0);
    for (std::size_t i = 0; i < other.counts_.size(); ++i) counts_[i] += other.counts_[i];
    count_ += other.count_;
    min_ = std::min(min_, other.min_);
    max_ = std::max(max_, other.max_);
    saturated_ += other.saturated_;
    sum_ += other.sum_;
    sum_sq_ += other.sum_sq_;
}

void LatencyHistogram::reset() {
    *this = LatencyHistogram{};
}

double LatencyHistogram::mean() const {
    return count_ ? static_cast<double>(sum_ / static_cast<long double>(count_)) : 0.0;
}

double LatencyHistogram::stdev() const {
    if (count_ == 0) return 0.0;
    const long double n = static_cast<long double>(count_);
    const long double m = sum_ / n;
    const long double var = sum_sq_ / n - m * m;
    return var > 0 ? static_cast<double>(std::sqrt(var)) : 0.0;
}

std::uint64_t LatencyHistogram::value_at_percentile(double pct) const {
    if (count_ == 0) return 0;
    if (pct <= 0) return min();
    if (pct >= 100) return max_;
    // Rank of the wanted value, 1-based, as in "the ceil(p*N)-th smallest sample".
    auto rank = static_cast<std::uint64_t>(std::ceil(pct / 100.0 * static_cast<double>(count_)));
    rank = std::clamp<std::uint64_t>(rank, 1, count_);
    std::uint64_t seen = 0;
    for (std::size_t i = 0; i < counts_.size(); ++i) {
        seen += counts_[i];
        if (seen >= rank) {
            // Midpoint of the bucket halves the worst-case error; clamping keeps it inside what was recorded.
            const std::uint64_t mid = lower_bound_of(i) + (width_of(i) - 1) / 2;
            return std::clamp(mid, min_, max_);
        }
    }
    return max_;
}

std::uint64_t LatencyHistogram::count_at_or_below(std::uint64_t value_ns) const {
    const std::size_t last = std::min(index_of(std::min(value_ns, max_value_ns)) + 1, counts_.size());
    std::uint64_t seen = 0;
    for (std::size_t i = 0; i < last; ++i) seen += counts_[i];
    return seen;
}

}  // namespace slowio::loadgen
