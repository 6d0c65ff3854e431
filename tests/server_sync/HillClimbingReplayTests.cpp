// Our HillClimbing against the real runtime's: three traces of .NET 10's thread pool (ASP.NET Core --mode
// sync, C = 200, L = 500 ms, one core; results/hillclimb-20261206, recorded by the target's
// --trace-threadpool) are replayed sample by sample. Each ThreadPoolWorkerThreadAdjustmentStats event gives
// the runtime's inputs to its HillClimbing.Update (the thread-count goal, the sample's duration and
// completions) and its outputs (noise, ratio, confidence, control setting, wave magnitude); each
// AdjustmentAdjustment the goal it then set. Fed the same inputs, ours must compute the same outputs: the
// rules are the runtime's, and what differs in a live pair is the input.

#include <catch2/catch.hpp>
#include <cmath>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "server_sync/HillClimbing.hpp"

namespace {

using Catch::Matchers::WithinRel;
using slowio::sync::HillClimbing;

/// One line of the trace: its event name and its key=value fields.
struct TraceEvent {
    std::string name;
    std::map<std::string, std::string> fields;
    double number(const std::string& key) const { return std::stod(fields.at(key)); }
};

std::vector<TraceEvent> read_trace(const std::string& path) {
    std::ifstream in(path);
    REQUIRE(in);
    std::vector<TraceEvent> events;
    for (std::string line; std::getline(in, line);) {
        std::istringstream words(line);
        std::string word;
        TraceEvent e;
        while (words >> word) {
            const auto eq = word.find('=');
            if (eq == std::string::npos) continue;  // the "threadpool-trace" prefix
            const std::string key = word.substr(0, eq), value = word.substr(eq + 1);
            if (key == "event") {
                e.name = value;
            } else {
                e.fields[key] = value;
            }
        }
        events.push_back(std::move(e));
    }
    return events;
}

// ThreadPoolWorkerThreadAdjustmentReason's names for what HillClimbing.Update itself decides.
const std::set<std::string> climbing_reasons = {"warmup", "random_move", "climbing_move", "change_point",
                                                "stabilizing"};

// The runtime's limits in the traced process: minimum one thread (one usable core), maximum 32,767.
constexpr std::size_t min_threads = 1;
constexpr std::size_t max_threads = 32767;

/// Replays one trace; returns how many samples were compared.
int replay(const std::string& path) {
    const auto events = read_trace(path);
    HillClimbing ours(1);  // the seed only draws sample intervals, which the trace fixes
    std::size_t goal = 0;  // the runtime's goal as the trace last set it
    int compared = 0;
    for (std::size_t i = 0; i < events.size(); ++i) {
        const TraceEvent& e = events[i];
        if (e.name == "AdjustmentAdjustment") {
            goal = static_cast<std::size_t>(e.number("NewWorkerThreadCount"));
            continue;
        }
        if (e.name != "AdjustmentStats") continue;
        const double seconds = e.number("Duration");
        const auto completions = static_cast<std::int64_t>(std::llround(e.number("Throughput") * seconds));
        INFO(path << " sample " << compared + 1 << " at t_ms=" << e.fields.at("t_ms") << ", goal " << goal
                  << ", " << completions << " completions in " << seconds << " s");
        // The process's CPU use is not in the trace: blocked threads on one core, far below the 95% that
        // would refuse a positive move.
        const auto d = ours.update(goal, seconds, completions, 0, min_threads, max_threads);
        REQUIRE(d.accepted);
        CHECK_THAT(d.stats.throughput, WithinRel(e.number("Throughput"), 1e-6));
        CHECK_THAT(d.stats.throughput_noise + 1.0,
                   WithinRel(e.number("ThroughputErrorEstimate") + 1.0, 1e-6));
        CHECK_THAT(d.stats.average_noise + 1.0,
                   WithinRel(e.number("AverageThroughputErrorEstimate") + 1.0, 1e-6));
        CHECK_THAT(d.stats.ratio + 1.0, WithinRel(e.number("ThroughputRatio") + 1.0, 1e-6));
        CHECK_THAT(d.stats.confidence + 1.0, WithinRel(e.number("Confidence") + 1.0, 1e-6));
        CHECK_THAT(d.stats.control, WithinRel(e.number("NewControlSetting"), 1e-6));
        CHECK(d.stats.magnitude == static_cast<int>(e.number("NewThreadWaveMagnitude")));
        // The runtime logs an adjustment right after the sample only when hill climbing changed the goal:
        // then ours must set the same one (the gate's and retirement's adjustments name their own reasons).
        const bool changed = i + 1 < events.size() && events[i + 1].name == "AdjustmentAdjustment" &&
                             climbing_reasons.count(events[i + 1].fields.at("Reason")) == 1;
        CHECK(d.goal ==
              (changed ? static_cast<std::size_t>(events[i + 1].number("NewWorkerThreadCount")) : goal));
        ++compared;
    }
    return compared;
}

}  // namespace

TEST_CASE("hill climbing replays the .NET runtime's own adjustment trace sample for sample",
          "[workerpool][hillclimbing]") {
    for (int k = 1; k <= 3; ++k) {
        const std::string path =
            std::string(SERVER_SYNC_TEST_DATA) + "/dotnet-hillclimbing-" + std::to_string(k) + ".trace.txt";
        // 25-29 samples each, 17-21 of them analysed (from the 9th on): the wave's noise, ratio and moves
        CHECK(replay(path) >= 25);
    }
}
