// Cost of recording one latency in loadgen's histogram (paid once per response on the load generator's
// threads).
#include <benchmark/benchmark.h>

#include <cstdint>

#include "LatencyHistogram.hpp"

namespace {

void BM_HistogramRecord(benchmark::State& state) {
    slowio::loadgen::LatencyHistogram histogram;
    std::uint64_t value = 2'000'000'000;  // around the 2 s store latency, with spread
    for (auto _ : state) {
        histogram.record(value);
        value = value * 6364136223846793005ULL + 1442695040888963407ULL;
        value = 1'000'000 + (value >> 34);
    }
    benchmark::DoNotOptimize(histogram.count());
}
BENCHMARK(BM_HistogramRecord);

}  // namespace
