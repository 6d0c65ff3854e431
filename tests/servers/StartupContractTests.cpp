// The contract a server meets before and around serving: its first stdout line, its command-line errors,
// and a port it cannot bind.
#include <catch2/catch.hpp>

#include "ContractSupport.hpp"

using namespace slowio::test;

TEST_CASE("first stdout line is exactly 'listening on 127.0.0.1:PORT', and PORT answers",
          "[contract][startup]") {
    const auto server = target().start();
    CHECK(server->port() != 0);
    CHECK(server->first_line() == "listening on 127.0.0.1:" + std::to_string(server->port()));
    HttpClient client(server->port());
    const auto health = client.request("GET", "/health");
    REQUIRE(health);
    CHECK(health->status == 200);
}

TEST_CASE("a bad command line exits 2 with one line on stderr", "[contract][startup]") {
    // An unknown flag, and a port that is not a number (through the template's own {port}).
    std::vector<std::vector<std::string>> commands;
    auto unknown = target().argv();
    unknown.push_back("--no-such-flag");
    commands.push_back(unknown);
    commands.push_back(target().argv({{"port", "not-a-port"}}));
    for (const auto& argv : commands) {
        const std::vector<std::string> args(argv.begin() + 1, argv.end());
        const auto r = run_command(argv.front(), args);
        INFO(argv.back() << " → " << r.output);
        CHECK(r.exit_code == 2);
        CHECK(r.output.find('\n') == r.output.size() - 1);  // exactly one line
    }
}

TEST_CASE("a port already in use exits 3", "[contract][startup]") {
    const auto first = target().start();
    const auto argv = target().argv({{"port", std::to_string(first->port())}});
    const auto r = run_command(argv.front(), std::vector<std::string>(argv.begin() + 1, argv.end()));
    INFO(r.output);
    CHECK(r.exit_code == 3);
}
