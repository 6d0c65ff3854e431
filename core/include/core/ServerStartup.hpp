#pragma once
/// \file The steps every server's main() takes before it serves, written once: parse and validate the
/// common flags, raise the open-files limit and say so, print the contract's first stdout line.

#include <asio/ip/tcp.hpp>
#include <functional>
#include <optional>
#include <string>

#include "core/ServerOptions.hpp"

namespace CLI {
class App;
}  // namespace CLI

namespace slowio {

/// Validation a server adds for its own flags: a one-line reason, or nullopt.
using ExtraValidation = std::function<std::optional<std::string>()>;

/// Adds a server's own flags to the command line (the common ones are added for it).
using OwnOptions = std::function<void(CLI::App&)>;

/// What a server's --help names it and says it is.
struct ProgramText {
    std::string name;         ///< e.g. "server_sync"
    std::string description;  ///< the first line of --help
};

/// Builds the command line (the common flags, then `own`'s), parses it, validates the common options (and
/// `extra`, if given) and sets the log level. Returns nullopt to go on, or the exit code to exit with: 0
/// after --help, exit_code::bad_command_line after a bad flag (one line on stderr: "<program>: <reason> (see
/// --help)"). The CLI::App lives only in here, so a server's main() never compiles CLI11.
std::optional<int> parse_server_command_line(const ProgramText& program, int argc, char** argv,
                                             ServerOptions& options, const OwnOptions& own,
                                             const ExtraValidation& extra = {});

/// Raises the soft RLIMIT_NOFILE to the hard limit (each connection takes a descriptor) and logs both, with a
/// warning when --max-connections cannot fit under it (accept then fails with EMFILE first).
void raise_file_limit(const ServerOptions& options);

/// The endpoint --bind and --port name (--bind already validated).
asio::ip::tcp::endpoint listen_endpoint(const ServerOptions& options);

/// Prints the contract's first stdout line, exactly `listening on ADDRESS:PORT`, and flushes it: scripts
/// and tests wait for this line (with --port 0 it is the only way to learn the port).
void announce_listening(const asio::ip::tcp::endpoint& endpoint);

}  // namespace slowio
