#include "core/ServerStartup.hpp"

#include <CLI/CLI.hpp>
#include <cstdio>
#include <iostream>

#include "core/Log.hpp"
#include "core/ProcessLimits.hpp"

namespace slowio {

std::optional<int> parse_server_command_line(const ProgramText& program, int argc, char** argv,
                                             ServerOptions& options, const OwnOptions& own,
                                             const ExtraValidation& extra) {
    CLI::App cli{program.description, program.name};
    add_common_options(cli, options);
    if (own) own(cli);
    if (const auto code = parse_command_line(cli, argc, argv)) return code;
    std::optional<std::string> bad = validate(options);
    if (!bad && extra) bad = extra();
    if (bad) {
        std::cerr << cli.get_name() << ": " << *bad << " (see --help)\n";
        return exit_code::bad_command_line;
    }
    set_log_level(parse_log_level(options.log_level));
    return std::nullopt;
}

void raise_file_limit(const ServerOptions& options) {
    const FileLimit files = raise_nofile_limit();
    log(LogLevel::info,
        "RLIMIT_NOFILE soft limit raised to the hard limit: {} (hard {}); each connection takes one",
        files.soft, files.hard);
    if (files.soft < options.max_connections + 64) {
        log(LogLevel::warn, "--max-connections {} exceeds what {} descriptors allow; accepts will fail first",
            options.max_connections, files.soft);
    }
}

asio::ip::tcp::endpoint listen_endpoint(const ServerOptions& options) {
    return {asio::ip::make_address(options.bind), options.port};
}

void announce_listening(const asio::ip::tcp::endpoint& endpoint) {
    std::printf("listening on %s:%u\n", endpoint.address().to_string().c_str(),
                static_cast<unsigned>(endpoint.port()));
    std::fflush(stdout);
}

}  // namespace slowio
