#include <catch2/catch.hpp>

#include "core/LatencyModel.hpp"

using namespace slowio;
using namespace std::chrono;

TEST_CASE("constant latency", "[latency]") {
    LatencyModel m(milliseconds(2000));
    CHECK(m.sample() == milliseconds(2000));
    CHECK(m.mean() == milliseconds(2000));
    CHECK(m.describe() == "constant 2000ms");
}

TEST_CASE("uniform jitter stays in range, is centred and seeded", "[latency]") {
    auto a = LatencyModel::parse(milliseconds(100), "uniform:20", 7);
    auto b = LatencyModel::parse(milliseconds(100), "uniform:20", 7);
    double sum = 0;
    for (int i = 0; i < 10000; ++i) {
        const auto s = a.sample();
        CHECK(s == b.sample());
        CHECK(s >= milliseconds(80));
        CHECK(s <= milliseconds(120));
        sum += duration<double, std::milli>(s).count();
    }
    CHECK(sum / 10000 == Approx(100).epsilon(0.01));
}

TEST_CASE("exponential jitter has the requested mean", "[latency]") {
    auto m = LatencyModel::parse(milliseconds(50), "exponential:10", 3);
    double sum = 0;
    for (int i = 0; i < 20000; ++i) {
        const auto s = m.sample();
        CHECK(s >= milliseconds(50));
        sum += duration<double, std::milli>(s).count();
    }
    CHECK(sum / 20000 == Approx(60).epsilon(0.02));
    CHECK(m.mean() == milliseconds(60));
}

TEST_CASE("bad jitter specs are refused with a reason", "[latency]") {
    CHECK_THROWS_WITH(LatencyModel::parse(milliseconds(1), "gauss:3", 1), Catch::Contains("expected none"));
    CHECK_THROWS_WITH(LatencyModel::parse(milliseconds(1), "uniform", 1), Catch::Contains("non-negative"));
    CHECK_THROWS_WITH(LatencyModel::parse(milliseconds(1), "uniform:-5", 1), Catch::Contains("non-negative"));
    CHECK_THROWS_WITH(LatencyModel::parse(milliseconds(1), "uniform:5x", 1), Catch::Contains("non-negative"));
}

TEST_CASE("seed 0 draws a seed of its own, named in the description", "[latency]") {
    auto a = LatencyModel::parse(milliseconds(2000), "uniform:2", 0);
    auto b = LatencyModel::parse(milliseconds(2000), "uniform:2", 0);
    CHECK_THAT(a.describe(), !Catch::Contains("(seed 0)"));
    // Two draws of 64 bits agree with probability 2^-63; a seeded model named by a's seed repeats a's waits.
    CHECK(a.describe() != b.describe());
    const auto seed = std::stoull(a.describe().substr(a.describe().rfind("seed ") + 5));
    auto again = LatencyModel::parse(milliseconds(2000), "uniform:2", seed);
    for (int i = 0; i < 100; ++i) CHECK(a.sample() == again.sample());
}
