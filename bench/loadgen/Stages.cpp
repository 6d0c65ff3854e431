#include "Stages.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>

#include "Duration.hpp"

namespace slowio::loadgen {

std::optional<std::vector<Stage>> parse_stages(std::string_view spec, bool open_loop, std::string& error) {
    std::vector<Stage> stages;
    std::size_t from = 0;
    while (from <= spec.size()) {
        const auto comma = spec.find(',', from);
        const auto item = spec.substr(from, comma == std::string_view::npos ? spec.npos : comma - from);
        const auto colon = item.find(':');
        const auto bad = [&](std::string_view why) {
            error = fmt::format("--stages: '{}' {} (expected DURATION:TARGET[,...], e.g. 10s:5,20s:1000)",
                                item, why);
            return std::nullopt;
        };
        if (colon == std::string_view::npos) return bad("has no ':'");
        const auto d = parse_duration(item.substr(0, colon));
        if (!d || *d <= std::chrono::nanoseconds::zero()) return bad("has no positive duration");
        const std::string target_text(item.substr(colon + 1));
        char* end = nullptr;
        const double target = target_text.empty() ? -1 : std::strtod(target_text.c_str(), &end);
        if (target_text.empty() || *end != '\0' || !std::isfinite(target) || target < 0)
            return bad("has no target >= 0");
        if (!open_loop && target != std::floor(target)) return bad("is not a whole number of connections");
        stages.push_back({*d, target});
        if (comma == std::string_view::npos) break;
        from = comma + 1;
    }
    if (peak_target(stages) <= 0) {
        error = "--stages: every target is 0; at least one stage must send";
        return std::nullopt;
    }
    return stages;
}

std::chrono::nanoseconds total_duration(const std::vector<Stage>& stages) {
    std::chrono::nanoseconds sum{0};
    for (const auto& s : stages) sum += s.duration;
    return sum;
}

double peak_target(const std::vector<Stage>& stages) {
    double peak = 0;
    for (const auto& s : stages) peak = std::max(peak, s.target);
    return peak;
}

}  // namespace slowio::loadgen
