#include "Target.hpp"

#include <cstdlib>
#include <regex>
#include <sstream>
#include <stdexcept>

namespace slowio::test {

namespace {

const std::regex& placeholder_pattern() {
    static const std::regex pattern(R"(\{([a-z_]+)(=([^}]*))?\})");
    return pattern;
}

std::vector<std::string> split(const std::string& text, char separator) {
    std::vector<std::string> out;
    std::string item;
    std::istringstream in(text);
    if (separator == ' ') {
        while (in >> item) out.push_back(item);
    } else {
        while (std::getline(in, item, separator))
            if (!item.empty()) out.push_back(item);
    }
    return out;
}

std::string environment(const char* name) {
    const char* value = std::getenv(name);
    return value ? value : "";
}

}  // namespace

Target::Target(std::string name, const std::string& command, const std::string& traits)
    : name_(std::move(name)), words_(split(command, ' ')), traits_(split(traits, ',')) {
    if (words_.empty()) throw std::invalid_argument("target '" + name_ + "': empty command");
}

const Target& Target::from_environment() {
    static const Target target = [] {
        const std::string command = environment("SLOWIO_TARGET_COMMAND");
        if (command.empty()) {
            throw std::runtime_error(
                "SLOWIO_TARGET_COMMAND is not set: name the server under test, e.g. "
                "SLOWIO_TARGET_COMMAND='./server_async --port {port} --store-latency-ms {latency_ms}'");
        }
        const std::string name = environment("SLOWIO_TARGET_NAME");
        return Target(name.empty() ? command : name, command, environment("SLOWIO_TARGET_TRAITS"));
    }();
    return target;
}

bool Target::has_placeholder(const std::string& setting) const {
    for (const auto& word : words_) {
        for (std::sregex_iterator it(word.begin(), word.end(), placeholder_pattern()), end; it != end; ++it) {
            if ((*it)[1] == setting) return true;
        }
    }
    return false;
}

bool Target::has_trait(const std::string& trait) const {
    for (const auto& t : traits_)
        if (t == trait) return true;
    return false;
}

std::string Target::missing(const TargetSettings& settings) const {
    std::string out;
    for (const auto& [name, value] : settings) {
        if (has_placeholder(name)) continue;
        out += (out.empty() ? "" : ", ") + name;
    }
    return out;
}

std::vector<std::string> Target::argv(const TargetSettings& settings) const {
    std::vector<std::string> out;
    for (const auto& word : words_) {
        std::string result;
        auto last = word.cbegin();
        for (std::sregex_iterator it(word.begin(), word.end(), placeholder_pattern()), end; it != end; ++it) {
            const std::smatch& m = *it;
            result.append(last, m[0].first);
            const std::string name = m[1];
            if (const auto found = settings.find(name); found != settings.end()) {
                result += found->second;
            } else if (m[2].matched) {
                result += m[3].str();
            } else if (name == "port") {
                result += "0";
            } else if (name == "latency_ms") {
                result += "50";
            } else {
                throw std::invalid_argument("target '" + name_ + "': {" + name +
                                            "} has no value and no default");
            }
            last = m[0].second;
        }
        result.append(last, word.cend());
        out.push_back(result);
    }
    return out;
}

std::unique_ptr<ServerProcess> Target::start(const TargetSettings& settings,
                                             const std::vector<std::string>& wrapper) const {
    std::vector<std::string> full = wrapper;
    for (auto& word : argv(settings)) full.push_back(std::move(word));
    const std::string binary = full.front();
    full.erase(full.begin());
    return std::make_unique<ServerProcess>(binary, full);
}

}  // namespace slowio::test
