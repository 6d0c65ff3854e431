/// \file libFuzzer harness for loadgen's path template (slowio::loadgen::PathTemplate).
///
/// The input is a template as given to `--path`. Invariants:
///   - parse() either accepts it or says why (a non-empty error), never a crash, and it rejects exactly what
///     an independent reading of the template rejects;
///   - an accepted template starts with '/', keeps its text, and is static exactly when it has no
///     placeholder;
///   - each expansion (a fixed-seed RNG) is a request target that cannot break the request line: no space,
///     CR, LF or other control byte; it is never longer than the template, and it is exactly the template
///     with each {rand:LO..HI} replaced by a decimal integer in [LO, HI] — checked against an independent
///     reading of the template that draws the same numbers from a second RNG with the same seed.

#include <charconv>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <random>
#include <string>
#include <string_view>

#include "FuzzInput.hpp"
#include "PathTemplate.hpp"

namespace {

using slowio::loadgen::PathTemplate;

constexpr std::uint64_t kSeed = 0x5eed;

/// The expected expansion: literal bytes as they are, each placeholder drawn from `rng` in order. nullopt
/// when this reading rejects the template (the harness then requires parse() to reject it too).
std::optional<std::string> expect(std::string_view t, std::mt19937_64& rng, bool& has_placeholder) {
    std::string out;
    has_placeholder = false;
    for (std::size_t i = 0; i < t.size();) {
        if (t[i] != '{') {
            out += t[i++];
            continue;
        }
        const auto close = t.find('}', i);
        if (close == std::string_view::npos) return std::nullopt;
        const std::string_view body = t.substr(i + 1, close - i - 1);
        if (body.substr(0, 5) != "rand:") return std::nullopt;
        const auto dots = body.find("..", 5);
        if (dots == std::string_view::npos) return std::nullopt;
        std::int64_t lo = 0, hi = 0;
        const std::string_view los = body.substr(5, dots - 5), his = body.substr(dots + 2);
        const auto a = std::from_chars(los.data(), los.data() + los.size(), lo);
        const auto b = std::from_chars(his.data(), his.data() + his.size(), hi);
        if (los.empty() || his.empty() || a.ec != std::errc{} || a.ptr != los.data() + los.size() ||
            b.ec != std::errc{} || b.ptr != his.data() + his.size() || lo > hi)
            return std::nullopt;
        const std::int64_t v = std::uniform_int_distribution<std::int64_t>(lo, hi)(rng);
        FUZZ_CHECK(v >= lo && v <= hi);
        out += std::to_string(v);
        has_placeholder = true;
        i = close + 1;
    }
    return out;
}

bool breaks_request_line(unsigned char c) {
    return c <= 0x20 || c == 0x7f;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string text(reinterpret_cast<const char*>(data), size);
    std::string error;
    const auto t = PathTemplate::parse(text, error);
    if (!t) {
        FUZZ_CHECK(!error.empty());
        // Rejected: so would an independent reading be (no leading '/', a byte that breaks the request
        // line, or a malformed placeholder).
        std::mt19937_64 rng(kSeed);
        bool has_placeholder = false;
        bool bad_byte = false;
        for (const unsigned char c : text) bad_byte = bad_byte || breaks_request_line(c);
        FUZZ_CHECK(text.empty() || text.front() != '/' || bad_byte || !expect(text, rng, has_placeholder));
        return 0;
    }
    FUZZ_CHECK(!text.empty() && text.front() == '/');
    FUZZ_CHECK(t->text() == text);
    for (const unsigned char c : text) FUZZ_CHECK(!breaks_request_line(c));

    std::mt19937_64 rng(kSeed), oracle_rng(kSeed);
    for (int round = 0; round < 4; ++round) {
        std::string out = "GET ";  // expand() appends, as RequestFactory uses it
        t->expand(rng, out);
        FUZZ_CHECK(out.compare(0, 4, "GET ") == 0);
        const std::string_view target = std::string_view(out).substr(4);
        FUZZ_CHECK(!target.empty() && target.front() == '/');
        FUZZ_CHECK(target.size() <= text.size());
        for (const unsigned char c : target) FUZZ_CHECK(!breaks_request_line(c));

        bool has_placeholder = false;
        const auto expected = expect(text, oracle_rng, has_placeholder);
        FUZZ_CHECK(expected.has_value());  // parse() accepted it: so must an independent reading
        FUZZ_CHECK(target == *expected);
        FUZZ_CHECK(t->is_static() == !has_placeholder);
    }
    return 0;
}
