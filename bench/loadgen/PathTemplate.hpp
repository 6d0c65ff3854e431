#pragma once
#include <cstdint>
#include <optional>
#include <random>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace slowio::loadgen {

/// A request path with placeholders, e.g. "/users/{rand:1..10000}". Expanded per request so a run touches
/// many keys (a server cache cannot turn the benchmark into a single-row lookup).
class PathTemplate {
  public:
    /// Parses the template; nullopt with `error` set when it does not start with '/', has a space or control
    /// byte (it would break the request line), or a placeholder is malformed (caller exits 2).
    static std::optional<PathTemplate> parse(std::string_view text, std::string& error);

    /// True when the template has no placeholders: the request bytes can then be built once and reused.
    bool is_static() const {
        return parts_.size() <= 1 && (parts_.empty() || std::holds_alternative<std::string>(parts_[0]));
    }

    /// Appends one expansion to `out`, drawing random placeholders from `rng`: each {rand:LO..HI} becomes a
    /// decimal integer in [LO, HI], so an expansion is never longer than the template.
    void expand(std::mt19937_64& rng, std::string& out) const;

    /// The original text, for reports.
    const std::string& text() const { return text_; }

  private:
    struct RandRange {
        std::int64_t lo;
        std::int64_t hi;
    };
    std::string text_;
    std::vector<std::variant<std::string, RandRange>> parts_;
};

}  // namespace slowio::loadgen
