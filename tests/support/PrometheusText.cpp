#include "PrometheusText.hpp"

#include <chrono>
#include <cstdlib>
#include <sstream>

#include "HttpClient.hpp"

namespace slowio::test {

std::optional<double> metric_value(const std::string& exposition, const std::string& series) {
    const bool with_labels = series.find('{') != std::string::npos;
    std::istringstream in(exposition);
    std::string line;
    while (std::getline(in, line)) {
        if (line.empty() || line[0] == '#') continue;
        if (line.rfind(series, 0) != 0 || line.size() <= series.size()) continue;
        const char next = line[series.size()];
        if (next != ' ' && (with_labels || next != '{')) continue;
        const auto space = line.rfind(' ');
        return std::strtod(line.c_str() + space + 1, nullptr);
    }
    return std::nullopt;
}

std::string scrape_metrics(std::uint16_t port) {
    try {
        HttpClient client(port, std::chrono::seconds(5));
        const auto response = client.request("GET", "/metrics");
        return response ? response->body : std::string();
    } catch (const std::exception&) {
        return {};
    }
}

}  // namespace slowio::test
