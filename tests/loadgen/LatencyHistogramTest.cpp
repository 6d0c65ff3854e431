// LatencyHistogram against exact percentiles of sorted samples, merging, and the HdrHistogram text output.
#include <algorithm>
#include <catch2/catch.hpp>
#include <cmath>
#include <random>
#include <sstream>
#include <vector>

#include "HdrReport.hpp"
#include "LatencyHistogram.hpp"

using slowio::loadgen::HdrReport;
using slowio::loadgen::LatencyHistogram;

namespace {
// The ceil(p*N)-th smallest sample: the definition the histogram promises to approximate.
std::uint64_t exact_percentile(const std::vector<std::uint64_t>& sorted, double pct) {
    if (pct <= 0) return sorted.front();
    auto rank = static_cast<std::size_t>(std::ceil(pct / 100.0 * static_cast<double>(sorted.size())));
    rank = std::clamp<std::size_t>(rank, 1, sorted.size());
    return sorted[rank - 1];
}

// Log-uniform over 1 us .. 1 h: every octave of the promised range gets samples.
std::vector<std::uint64_t> samples(std::size_t n, std::uint64_t seed) {
    std::mt19937_64 rng(seed);
    std::uniform_real_distribution<double> exp10(3.0, std::log10(3.6e12));
    std::vector<std::uint64_t> v(n);
    for (auto& x : v) x = static_cast<std::uint64_t>(std::pow(10.0, exp10(rng)));
    return v;
}
}  // namespace

TEST_CASE("histogram percentiles are within 1% of exact sorted percentiles", "[loadgen][histogram]") {
    for (std::uint64_t seed : {1u, 2u, 3u}) {
        auto v = samples(100000, seed);
        LatencyHistogram h;
        for (auto x : v) h.record(x);
        std::sort(v.begin(), v.end());
        for (double p : {0.0, 1.0, 10.0, 25.0, 50.0, 75.0, 90.0, 99.0, 99.9, 99.99, 100.0}) {
            const double exact = static_cast<double>(exact_percentile(v, p));
            const double got = static_cast<double>(h.value_at_percentile(p));
            INFO("seed " << seed << " p" << p << " exact " << exact << " got " << got);
            CHECK(std::abs(got - exact) <= 0.01 * exact);
        }
        CHECK(h.count() == v.size());
        CHECK(h.min() == v.front());
        CHECK(h.max() == v.back());
    }
}

TEST_CASE("histogram mean and stdev are exact", "[loadgen][histogram]") {
    const std::vector<std::uint64_t> v = {1000, 2000, 3000, 4000, 10'000'000};
    LatencyHistogram h;
    double sum = 0;
    for (auto x : v) {
        h.record(x);
        sum += static_cast<double>(x);
    }
    const double mean = sum / static_cast<double>(v.size());
    double var = 0;
    for (auto x : v) var += (static_cast<double>(x) - mean) * (static_cast<double>(x) - mean);
    var /= static_cast<double>(v.size());
    CHECK(h.mean() == Approx(mean).epsilon(1e-9));
    CHECK(h.stdev() == Approx(std::sqrt(var)).epsilon(1e-9));
}

TEST_CASE("every bucket is narrower than 1% of its values", "[loadgen][histogram]") {
    for (std::uint64_t v = 1000; v < LatencyHistogram::max_value_ns; v = v * 3 / 2 + 7) {
        const auto idx = LatencyHistogram::index_of(v);
        const auto lo = LatencyHistogram::lower_bound_of(idx);
        const auto w = LatencyHistogram::width_of(idx);
        INFO("value " << v);
        REQUIRE(lo <= v);
        REQUIRE(v < lo + w);
        REQUIRE(static_cast<double>(w) <= 0.01 * static_cast<double>(lo));
        REQUIRE(LatencyHistogram::index_of(lo) == idx);
        REQUIRE(LatencyHistogram::index_of(lo + w) == idx + 1);
    }
}

TEST_CASE("merged histograms equal one histogram of all samples", "[loadgen][histogram]") {
    auto a = samples(20000, 7), b = samples(30000, 8);
    LatencyHistogram ha, hb, all;
    for (auto x : a) ha.record(x), all.record(x);
    for (auto x : b) hb.record(x), all.record(x);
    ha.merge(hb);
    CHECK(ha.count() == all.count());
    CHECK(ha.min() == all.min());
    CHECK(ha.max() == all.max());
    CHECK(ha.mean() == Approx(all.mean()));
    for (double p : {50.0, 90.0, 99.0, 99.99}) CHECK(ha.value_at_percentile(p) == all.value_at_percentile(p));
}

TEST_CASE("values beyond one hour are clamped and counted", "[loadgen][histogram]") {
    LatencyHistogram h;
    h.record(LatencyHistogram::max_value_ns * 2);
    h.record(5);
    CHECK(h.saturated() == 1);
    CHECK(h.max() == LatencyHistogram::max_value_ns);
    CHECK(h.value_at_percentile(0) == 5);
    LatencyHistogram empty;
    CHECK(empty.value_at_percentile(99) == 0);
    CHECK(empty.mean() == 0);
}

TEST_CASE("HdrHistogram percentile distribution text", "[loadgen][histogram]") {
    LatencyHistogram h;
    for (std::uint64_t i = 1; i <= 10000; ++i) h.record(i * 1000);  // 1 us .. 10 ms
    std::ostringstream out;
    HdrReport::write(h, out);
    const std::string text = out.str();
    std::istringstream in(text);
    std::string line;
    std::getline(in, line);
    CHECK(line.find("Value") != std::string::npos);
    CHECK(line.find("1/(1-Percentile)") != std::string::npos);
    std::getline(in, line);
    CHECK(line.empty());
    double last_pct = -1, value = 0, pct = 0;
    std::uint64_t total = 0, rows = 0;
    while (std::getline(in, line) && line[0] != '#') {
        std::istringstream row(line);
        REQUIRE(row >> value >> pct >> total);
        CHECK(pct > last_pct);
        last_pct = pct;
        ++rows;
    }
    CHECK(rows > 30);
    CHECK(last_pct == 1.0);
    CHECK(total == 10000);
    CHECK(value == Approx(10.0));  // ms
    CHECK(line.rfind("#[Mean    =", 0) == 0);
    CHECK(text.find("#[Max     =       10.000, Total count    =        10000]") != std::string::npos);
    CHECK(text.find("#[Buckets =") != std::string::npos);
}
