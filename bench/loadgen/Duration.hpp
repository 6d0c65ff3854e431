#pragma once
#include <chrono>
#include <optional>
#include <string>
#include <string_view>

namespace slowio::loadgen {

/// Parses a wrk-style duration: "10s", "500ms", "250us", "2m", "1h", "1.5s"; a bare number means seconds.
/// Returns nullopt for anything else (negative, unknown unit, trailing junk) so the caller can exit 2.
std::optional<std::chrono::nanoseconds> parse_duration(std::string_view text);

/// Seconds as a double, the unit every report uses for durations.
double to_seconds(std::chrono::nanoseconds d);

/// Short human form ("5s", "250ms", "1.5s") for the summary's header line.
std::string format_duration(std::chrono::nanoseconds d);

}  // namespace slowio::loadgen
