#include "Duration.hpp"

#include <fmt/format.h>

#include <charconv>
#include <cmath>

namespace slowio::loadgen {

std::optional<std::chrono::nanoseconds> parse_duration(std::string_view text) {
    if (text.empty()) return std::nullopt;
    double value = 0;
    auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (ec != std::errc{} || !std::isfinite(value) || value < 0) return std::nullopt;
    std::string_view unit(ptr, static_cast<std::size_t>(text.data() + text.size() - ptr));
    double scale = 0;
    if (unit.empty() || unit == "s")
        scale = 1e9;
    else if (unit == "ms")
        scale = 1e6;
    else if (unit == "us")
        scale = 1e3;
    else if (unit == "m" || unit == "min")
        scale = 60e9;
    else if (unit == "h")
        scale = 3600e9;
    else
        return std::nullopt;
    double ns = value * scale;
    if (ns > 1e18) return std::nullopt;  // far beyond any sane run; keeps the cast defined
    return std::chrono::nanoseconds(static_cast<std::int64_t>(std::llround(ns)));
}

double to_seconds(std::chrono::nanoseconds d) {
    return static_cast<double>(d.count()) / 1e9;
}

std::string format_duration(std::chrono::nanoseconds d) {
    const auto ns = d.count();
    if (ns % 1'000'000'000 == 0) return fmt::format("{}s", ns / 1'000'000'000);
    if (ns >= 1'000'000'000) return fmt::format("{:g}s", to_seconds(d));
    if (ns % 1'000'000 == 0) return fmt::format("{}ms", ns / 1'000'000);
    return fmt::format("{:g}us", static_cast<double>(ns) / 1e3);
}

}  // namespace slowio::loadgen
