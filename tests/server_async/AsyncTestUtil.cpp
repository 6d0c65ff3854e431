#include "AsyncTestUtil.hpp"

#include <cstdlib>
#include <sstream>

namespace slowio::test {

std::string async_binary() {
    return SERVER_ASYNC_BINARY;
}

std::vector<std::string> server_args(int latency_ms, const std::vector<std::string>& extra) {
    std::vector<std::string> args{"--port",  "0",    "--store-latency-ms", std::to_string(latency_ms),
                                  "--users", "1000", "--log-level",        "warn"};
    args.insert(args.end(), extra.begin(), extra.end());
    return args;
}

std::optional<double> metric_value(const std::string& exposition, const std::string& name) {
    std::istringstream in(exposition);
    std::string line;
    while (std::getline(in, line)) {
        if (line.rfind(name, 0) != 0 || line.size() <= name.size()) continue;
        const char next = line[name.size()];
        if (next != ' ' && next != '{') continue;
        const auto space = line.rfind(' ');
        return std::strtod(line.c_str() + space + 1, nullptr);
    }
    return std::nullopt;
}

std::string fetch_metrics(std::uint16_t port) {
    HttpClient client(port);
    const auto response = client.request("GET", "/metrics");
    return response ? response->body : std::string();
}

std::string without_date(const ClientResponse& response) {
    std::string out = response.status_line + "\r\n";
    for (const auto& [name, value] : response.headers) {
        if (name == "Date") continue;
        out += name + ": " + value + "\r\n";
    }
    return out + "\r\n" + response.body;
}

}  // namespace slowio::test
