#include "PrometheusText.hpp"

#include <algorithm>
#include <cmath>
#include <cstdlib>

namespace slowio::loadgen {

namespace {
std::string_view trim(std::string_view s) {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t' || s.front() == '\r')) s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) s.remove_suffix(1);
    return s;
}

bool parse_value(std::string_view s, double& out) {
    if (s == "+Inf") {
        out = INFINITY;
        return true;
    }
    if (s == "-Inf") {
        out = -INFINITY;
        return true;
    }
    if (s == "NaN") {
        out = NAN;
        return true;
    }
    std::string copy(s);  // strtod: from_chars for double is not in every libstdc++ we might meet
    char* end = nullptr;
    out = std::strtod(copy.c_str(), &end);
    return end != copy.c_str() && *end == '\0';
}
}  // namespace

std::map<std::string, double> PrometheusText::parse(std::string_view text,
                                                    const std::vector<std::string>& wanted) {
    std::map<std::string, double> out;
    while (!text.empty()) {
        const auto nl = text.find('\n');
        std::string_view line = trim(text.substr(0, nl));
        text = nl == std::string_view::npos ? std::string_view{} : text.substr(nl + 1);
        if (line.empty() || line.front() == '#') continue;
        const auto name_end = line.find_first_of("{ \t");
        if (name_end == std::string_view::npos) continue;
        const std::string_view name = line.substr(0, name_end);
        if (std::find(wanted.begin(), wanted.end(), name) == wanted.end()) continue;
        std::string_view rest = line.substr(name_end);
        if (!rest.empty() && rest.front() == '{') {
            // Label values may contain '}' inside quotes; walk the quotes.
            bool quoted = false;
            std::size_t i = 1;
            for (; i < rest.size(); ++i) {
                if (rest[i] == '\\' && quoted) {
                    ++i;
                    continue;
                }
                if (rest[i] == '"')
                    quoted = !quoted;
                else if (rest[i] == '}' && !quoted)
                    break;
            }
            if (i >= rest.size()) continue;
            rest = rest.substr(i + 1);
        }
        rest = trim(rest);
        const auto sp = rest.find_first_of(" \t");
        double value = 0;
        if (!parse_value(rest.substr(0, sp), value)) continue;
        out[std::string(name)] += value;
    }
    return out;
}

}  // namespace slowio::loadgen
