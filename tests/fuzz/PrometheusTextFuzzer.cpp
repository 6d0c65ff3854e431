/// \file libFuzzer harness for loadgen's Prometheus-text reader (slowio::loadgen::PrometheusText).
///
/// The input is a /metrics page. The names asked for are the scraper's columns plus the first word of every
/// other line of the page (so the fuzzer's own names are looked up too, and some are not). Invariants:
///   - never a crash, whatever the bytes;
///   - only names asked for are returned, and each occurs in the page;
///   - a value is finite unless the page has a sample value that is not (+Inf, -Inf, NaN, or a number
///     strtod reads as infinite or beyond 1e300, whose sum may overflow), as PrometheusText.hpp documents;
///   - lines are independent: the page's values are the sums, in order, of its lines' values.

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "FuzzInput.hpp"
#include "PrometheusText.hpp"

namespace {

using slowio::loadgen::PrometheusText;

/// Scraper::columns()'s metric names (Scraper itself needs Asio; the list is short).
const std::vector<std::string> kScraperNames = {"threadpool_threads",
                                                "threadpool_busy_threads",
                                                "threadpool_queue_length",
                                                "http_requests_in_flight",
                                                "http_connections_open",
                                                "eventloop_lag_max_seconds",
                                                "process_resident_memory_bytes",
                                                "jobs_queue_length"};

std::vector<std::string_view> split_lines(std::string_view text) {
    std::vector<std::string_view> lines;
    while (!text.empty()) {
        const auto nl = text.find('\n');
        lines.push_back(text.substr(0, nl));
        text = nl == std::string_view::npos ? std::string_view{} : text.substr(nl + 1);
    }
    return lines;
}

/// True when some word of the page (cut at whitespace and '}') is, whole, a number strtod reads as
/// not finite or huge: the only way a value may be inf or NaN.
bool has_nonfinite_sample(std::string_view text) {
    std::size_t i = 0;
    while (i < text.size()) {
        const auto end = text.find_first_of(" \t\r\n}", i);
        const std::string word(
            text.substr(i, end == std::string_view::npos ? std::string_view::npos : end - i));
        if (!word.empty()) {
            char* stop = nullptr;
            const double v = std::strtod(word.c_str(), &stop);
            if (stop != word.c_str() && *stop == '\0' && (!std::isfinite(v) || std::fabs(v) > 1e300))
                return true;
        }
        if (end == std::string_view::npos) break;
        i = end + 1;
    }
    return false;
}

bool same_value(double a, double b) {
    return (std::isnan(a) && std::isnan(b)) || std::memcmp(&a, &b, sizeof a) == 0;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    // An exact-size copy: a read past the page's end is an ASan report.
    std::unique_ptr<char[]> copy(new char[size == 0 ? 1 : size]);
    if (size > 0) std::memcpy(copy.get(), data, size);
    const std::string_view text(copy.get(), size);

    const auto lines = split_lines(text);
    std::vector<std::string> wanted = kScraperNames;
    for (std::size_t i = 0; i < lines.size(); i += 2) {
        std::string_view l = lines[i];
        while (!l.empty() && (l.front() == ' ' || l.front() == '\t' || l.front() == '\r')) l.remove_prefix(1);
        const auto end = l.find_first_of("{ \t");
        if (end != std::string_view::npos && end > 0) wanted.emplace_back(l.substr(0, end));
    }

    const auto values = PrometheusText::parse(text, wanted);
    const bool nonfinite_allowed = has_nonfinite_sample(text);
    for (const auto& [name, value] : values) {
        FUZZ_CHECK(std::find(wanted.begin(), wanted.end(), name) != wanted.end());
        FUZZ_CHECK(text.find(name) != std::string_view::npos);
        FUZZ_CHECK(std::isfinite(value) || nonfinite_allowed);
    }

    // Line by line, summed in the same order, gives the same map.
    std::map<std::string, double> summed;
    for (const auto line : lines)
        for (const auto& [name, value] : PrometheusText::parse(line, wanted)) summed[name] += value;
    FUZZ_CHECK(summed.size() == values.size());
    for (const auto& [name, value] : values) {
        const auto it = summed.find(name);
        FUZZ_CHECK(it != summed.end());
        FUZZ_CHECK(same_value(it->second, value));
    }
    return 0;
}
