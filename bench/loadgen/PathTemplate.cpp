#include "PathTemplate.hpp"

#include <fmt/format.h>

#include <charconv>

namespace slowio::loadgen {

namespace {
bool parse_int(std::string_view s, std::int64_t& out) {
    auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
    return ec == std::errc{} && ptr == s.data() + s.size() && !s.empty();
}
}  // namespace

std::optional<PathTemplate> PathTemplate::parse(std::string_view text, std::string& error) {
    PathTemplate t;
    t.text_ = std::string(text);
    if (text.empty() || text.front() != '/') {
        error = "path template must start with '/': '" + std::string(text) + "'";
        return std::nullopt;
    }
    // The expansion goes between "METHOD " and " HTTP/1.1\r\n": a space, CR, LF or other control byte would
    // end the request target early or inject a line (RFC 9112 §3.2: the target has no whitespace).
    for (std::size_t k = 0; k < text.size(); ++k) {
        const auto c = static_cast<unsigned char>(text[k]);
        if (c <= 0x20 || c == 0x7f) {
            error = fmt::format(
                "path template has a space or control byte (0x{:02x}) at offset {}: percent-encode it", c, k);
            return std::nullopt;
        }
    }
    std::string literal;
    std::size_t i = 0;
    while (i < text.size()) {
        if (text[i] != '{') {
            literal += text[i++];
            continue;
        }
        const auto close = text.find('}', i);
        if (close == std::string_view::npos) {
            error = "unclosed '{' in path template '" + std::string(text) + "'";
            return std::nullopt;
        }
        std::string_view body = text.substr(i + 1, close - i - 1);
        constexpr std::string_view rand_prefix = "rand:";
        const auto dots = body.find("..");
        std::int64_t lo = 0, hi = 0;
        if (body.substr(0, rand_prefix.size()) != rand_prefix || dots == std::string_view::npos ||
            !parse_int(body.substr(rand_prefix.size(), dots - rand_prefix.size()), lo) ||
            !parse_int(body.substr(dots + 2), hi) || lo > hi) {
            error = "bad placeholder '{" + std::string(body) + "}' (expected {rand:LO..HI} with LO <= HI)";
            return std::nullopt;
        }
        if (!literal.empty()) t.parts_.emplace_back(std::move(literal));
        literal.clear();
        t.parts_.emplace_back(RandRange{lo, hi});
        i = close + 1;
    }
    if (!literal.empty()) t.parts_.emplace_back(std::move(literal));
    return t;
}

void PathTemplate::expand(std::mt19937_64& rng, std::string& out) const {
    for (const auto& part : parts_) {
        if (const auto* s = std::get_if<std::string>(&part)) {
            out += *s;
        } else {
            const auto& r = std::get<RandRange>(part);
            std::uniform_int_distribution<std::int64_t> dist(r.lo, r.hi);
            char buf[24];
            auto [ptr, ec] = std::to_chars(buf, buf + sizeof buf, dist(rng));
            (void)ec;
            out.append(buf, ptr);
        }
    }
}

}  // namespace slowio::loadgen
