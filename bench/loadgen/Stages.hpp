#pragma once
#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace slowio::loadgen {

/// One step of --stages: for `duration`, hold `target` connections (closed loop) or `target` requests/s (open
/// loop, -R). As k6's stages, except that a step is held, not ramped: a burst starts and ends at an instant.
struct Stage {
    std::chrono::nanoseconds duration{};  ///< how long the step lasts
    double target = 0;                    ///< connections, or requests/s with -R
};

/// Parses "10s:5,20s:1000,30s:5" (DURATION:TARGET, comma-separated; durations as -d, targets ≥ 0, at least
/// one positive); nullopt with a one-line `error` otherwise. `open_loop` allows fractional targets (a rate).
std::optional<std::vector<Stage>> parse_stages(std::string_view spec, bool open_loop, std::string& error);

/// The sum of the stages' durations: the run's -d.
std::chrono::nanoseconds total_duration(const std::vector<Stage>& stages);

/// The largest target: the connections a closed loop opens, or the peak rate.
double peak_target(const std::vector<Stage>& stages);

}  // namespace slowio::loadgen
