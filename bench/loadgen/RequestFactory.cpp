#include "RequestFactory.hpp"

namespace slowio::loadgen {

std::optional<RequestFactory> RequestFactory::create(const Config& config, std::string& error) {
    RequestFactory f;
    std::vector<std::string> texts = config.paths;
    if (texts.empty()) texts.push_back(config.target.path);
    for (const auto& text : texts) {
        auto t = PathTemplate::parse(text, error);
        if (!t) return std::nullopt;
        f.paths_.push_back(std::move(*t));
    }
    f.head_ = config.method == "HEAD";
    f.prefix_ = config.method + " ";
    f.suffix_ = " HTTP/1.1\r\nHost: " + config.target.authority() + "\r\n";
    // Without keep-alive the server is told to close, so each request really pays for a new connection.
    if (!config.keepalive) f.suffix_ += "Connection: close\r\n";
    for (const auto& h : config.headers) f.suffix_ += h + "\r\n";
    if (!config.body.empty() || config.method == "POST" || config.method == "PUT")
        f.suffix_ += "Content-Length: " + std::to_string(config.body.size()) + "\r\n";
    f.suffix_ += "\r\n" + config.body;
    if (f.paths_.size() == 1 && f.paths_[0].is_static())
        f.prebuilt_ = f.prefix_ + f.paths_[0].text() + f.suffix_;
    return f;
}

const std::string& RequestFactory::next(std::mt19937_64& rng, std::string& scratch) const {
    if (!prebuilt_.empty()) return prebuilt_;
    scratch.assign(prefix_);
    const auto& path = paths_.size() == 1
                           ? paths_[0]
                           : paths_[std::uniform_int_distribution<std::size_t>(0, paths_.size() - 1)(rng)];
    path.expand(rng, scratch);
    scratch += suffix_;
    return scratch;
}

}  // namespace slowio::loadgen
