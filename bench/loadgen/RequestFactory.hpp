#pragma once
#include <optional>
#include <random>
#include <string>
#include <vector>

#include "Config.hpp"
#include "PathTemplate.hpp"

namespace slowio::loadgen {

/// Builds the request bytes for each send. With one static path the bytes are built once and shared, so the
/// hot path does no formatting; templates are expanded per request into a caller-owned buffer.
class RequestFactory {
  public:
    /// Validates the paths of `config`; nullopt with `error` set when a template is malformed.
    static std::optional<RequestFactory> create(const Config& config, std::string& error);

    /// The bytes of the next request. Either the prebuilt request or `scratch`, filled in.
    const std::string& next(std::mt19937_64& rng, std::string& scratch) const;

    /// True for HEAD (the response parser must not expect a body).
    bool head() const { return head_; }

  private:
    std::vector<PathTemplate> paths_;
    std::string prefix_;    // "GET " — method and space
    std::string suffix_;    // " HTTP/1.1\r\nHost: ...\r\n...\r\n\r\nbody"
    std::string prebuilt_;  // complete request when there is one static path
    bool head_ = false;
};

}  // namespace slowio::loadgen
