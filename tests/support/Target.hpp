#pragma once
/// \file Test support: the server under test, named by a command. The contract tests run against whatever
/// this describes, so a new server (the ASP.NET Core target, a user's own) is added by naming its command.
///
/// The command is an argv template, split on whitespace (no quoting): `{name}` is replaced by a setting the
/// test makes, `{name=default}` also has a value when the test makes none. `{port}` defaults to 0 and
/// `{latency_ms}` (the store latency) to 50. A test that needs a setting the template has no placeholder for
/// is skipped: the placeholders are how a target says which knobs it has. Example (server_sync):
///
///     build/release/server_sync/server_sync --port {port} --store-latency-ms {latency_ms}
///         --threads {threads=10} --max-connections {max_connections=18000} ...

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "ServerProcess.hpp"

namespace slowio::test {

/// Values for a template's placeholders, by name (`{"latency_ms", "300"}`).
using TargetSettings = std::map<std::string, std::string>;

/// A server under test: a display name, an argv template, and traits.
class Target {
  public:
    /// `traits`, what the target claims beyond the contract's core: "metrics" (serves /metrics with the
    /// suite's names), "logs" (logs the suite's lines for limits, e.g. `accept failed: Too many open
    /// files`), "bytes" (answers with core's exact bytes, header order included, not only its status and
    /// body), "codec" (core's HTTP codec limits and error bodies). Our servers, built on core, claim all
    /// four. Throws std::invalid_argument for an empty command.
    Target(std::string name, const std::string& command, const std::string& traits);

    /// From the environment: SLOWIO_TARGET_NAME, SLOWIO_TARGET_COMMAND, SLOWIO_TARGET_TRAITS (comma
    /// separated). Throws std::runtime_error naming the variable when SLOWIO_TARGET_COMMAND is unset.
    static const Target& from_environment();

    /// The display name.
    const std::string& name() const { return name_; }
    /// True when the template has a `{placeholder}` for `setting`.
    bool has_placeholder(const std::string& setting) const;
    /// True when the target declared `trait`.
    bool has_trait(const std::string& trait) const;
    /// The settings in `settings` the template has no placeholder for, comma separated ("" when none).
    std::string missing(const TargetSettings& settings) const;

    /// The argv (binary first) for `settings`. Throws std::invalid_argument when a placeholder without a
    /// default gets no value.
    std::vector<std::string> argv(const TargetSettings& settings = {}) const;
    /// Starts the target (see ServerProcess), optionally under `wrapper` (e.g. {"/usr/bin/prlimit",
    /// "--nofile=48:48"}).
    std::unique_ptr<ServerProcess> start(const TargetSettings& settings = {},
                                         const std::vector<std::string>& wrapper = {}) const;

  private:
    std::string name_;
    std::vector<std::string> words_;
    std::vector<std::string> traits_;
};

}  // namespace slowio::test
