#pragma once
#include <optional>
#include <string>

#include "Config.hpp"
#include "RequestFactory.hpp"

namespace slowio::loadgen {

/// What parsing the command line decided: a runnable Config, or an exit code with the text to print.
struct ParsedCommandLine {
    std::optional<Config> config;  ///< set when the run should go ahead
    /// the request bytes for `config`, built once while validating its --path templates
    std::optional<RequestFactory> requests;
    int exit_code = 0;    ///< 0 for --help, 2 for bad arguments
    std::string message;  ///< --help text (stdout) or a one-line reason (stderr)
};

/// The wrk-like flag surface (-c -t -d -R, --warmup, --timeout, --path, ...) turned into a validated Config.
/// Every rejection is one line naming the flag and what was wrong, so scripts can show it as-is.
class CommandLine {
  public:
    /// Parses and validates `argv`.
    static ParsedCommandLine parse(int argc, const char* const* argv);
};

}  // namespace slowio::loadgen
