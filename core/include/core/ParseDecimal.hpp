#pragma once
/// \file A whole decimal number within bounds, or nothing: the one parser for the numbers in request paths and in
/// flag values that take more than a number.

#include <charconv>
#include <optional>
#include <string_view>

namespace slowio {

/// `text` as a whole decimal number in [min, max]; nullopt for anything else (empty, trailing characters, a
/// sign Int has no room for, out of range).
template <typename Int>
std::optional<Int> parse_decimal(std::string_view text, Int min, Int max) {
    Int value{};
    const auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (text.empty() || ec != std::errc() || ptr != text.data() + text.size() || value < min || value > max)
        return std::nullopt;
    return value;
}

}  // namespace slowio
