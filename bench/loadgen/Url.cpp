#include "Url.hpp"

#include <charconv>

namespace slowio::loadgen {

std::string Url::authority() const {
    const bool v6 = host.find(':') != std::string::npos;
    return (v6 ? "[" + host + "]" : host) + ":" + std::to_string(port);
}

std::string Url::to_string() const {
    return "http://" + authority() + path;
}

std::optional<Url> parse_url(std::string_view text) {
    constexpr std::string_view scheme = "http://";
    if (text.substr(0, scheme.size()) != scheme) return std::nullopt;
    text.remove_prefix(scheme.size());
    Url url;
    const auto slash = text.find('/');
    std::string_view hostport = text.substr(0, slash);
    url.path = slash == std::string_view::npos ? "/" : std::string(text.substr(slash));
    std::string_view port_text;
    if (!hostport.empty() && hostport.front() == '[') {  // [::1]:8080
        const auto close = hostport.find(']');
        if (close == std::string_view::npos) return std::nullopt;
        url.host = std::string(hostport.substr(1, close - 1));
        std::string_view rest = hostport.substr(close + 1);
        if (!rest.empty()) {
            if (rest.front() != ':') return std::nullopt;
            port_text = rest.substr(1);
        }
    } else {
        const auto colon = hostport.rfind(':');
        url.host = std::string(hostport.substr(0, colon));
        if (colon != std::string_view::npos) port_text = hostport.substr(colon + 1);
    }
    if (url.host.empty()) return std::nullopt;
    if (!port_text.empty()) {
        unsigned value = 0;
        auto [ptr, ec] = std::from_chars(port_text.data(), port_text.data() + port_text.size(), value);
        if (ec != std::errc{} || ptr != port_text.data() + port_text.size() || value == 0 || value > 65535)
            return std::nullopt;
        url.port = static_cast<std::uint16_t>(value);
    } else if (hostport.find(':') != std::string_view::npos && hostport.front() != '[') {
        return std::nullopt;  // "host:" with an empty port
    }
    return url;
}

}  // namespace slowio::loadgen
