#include "RetryPolicy.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <cstdint>
#include <utility>

namespace slowio::loadgen {

namespace {
/// The one name table: parsing, to_string and the help text read it.
constexpr std::pair<Backoff, std::string_view> backoff_names[] = {{Backoff::none, "none"},
                                                                  {Backoff::exponential, "exponential"}};

std::optional<long long> parse_ms(std::string_view text) {
    long long v = 0;
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
    if (ec != std::errc() || end != text.data() + text.size() || v < 0) return std::nullopt;
    return v;
}
}  // namespace

std::string_view to_string(Backoff b) {
    for (const auto& [value, name] : backoff_names)
        if (value == b) return name;
    return "?";
}

bool RetryPolicy::parse_backoff(std::string_view spec, std::string& error) {
    const auto colon = spec.find(':');
    const std::string_view name = spec.substr(0, colon);
    const auto* entry = std::find_if(std::begin(backoff_names), std::end(backoff_names),
                                     [&](const auto& e) { return e.second == name; });
    error = fmt::format("--retry-backoff '{}': expected {}", spec, help);
    if (entry == std::end(backoff_names)) return false;
    if (entry->first == Backoff::none) {
        if (colon != std::string_view::npos) return false;
        backoff = Backoff::none;
        error.clear();
        return true;
    }
    if (colon == std::string_view::npos) return false;
    const std::string_view rest = spec.substr(colon + 1);
    const auto second = rest.find(':');
    const auto b = parse_ms(rest.substr(0, second));
    const auto c = second == std::string_view::npos ? std::optional<long long>(cap.count())
                                                    : parse_ms(rest.substr(second + 1));
    if (!b || !c || *b < 1 || *c < *b) {
        error =
            fmt::format("--retry-backoff '{}': BASE_MS must be at least 1 and CAP_MS at least BASE_MS", spec);
        return false;
    }
    backoff = Backoff::exponential;
    base = std::chrono::milliseconds(*b);
    cap = std::chrono::milliseconds(*c);
    error.clear();
    return true;
}

std::string RetryPolicy::backoff_spec() const {
    if (backoff == Backoff::none) return std::string(to_string(backoff));
    return fmt::format("{}:{}:{}", to_string(backoff), base.count(), cap.count());
}

Clock::duration RetryPolicy::delay(unsigned k, std::mt19937_64& rng, Clock::duration retry_after) const {
    Clock::duration wait{0};
    if (backoff == Backoff::exponential) {
        // min(cap, base * 2^k) without overflow: past 2^20 the cap has long won.
        const std::chrono::milliseconds ceiling =
            k >= 20 ? cap : std::min<std::chrono::milliseconds>(cap, base * (std::int64_t{1} << k));
        const auto ceiling_ns = std::chrono::duration_cast<std::chrono::nanoseconds>(ceiling).count();
        std::uniform_int_distribution<long long> jitter(0, ceiling_ns);
        wait = std::chrono::duration_cast<Clock::duration>(std::chrono::nanoseconds(jitter(rng)));
    }
    return std::max(wait, retry_after);
}

}  // namespace slowio::loadgen
