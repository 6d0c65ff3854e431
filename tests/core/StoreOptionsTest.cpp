// The store's common flags: --store sim|postgres (default sim), --pg, --db-pool, --db-acquire-timeout-ms.
#include <CLI/CLI.hpp>
#include <catch2/catch.hpp>
#include <string>
#include <vector>

#include "core/ServerOptions.hpp"

using namespace slowio;

namespace {

/// Parses `args` as a server would; returns the exit code parse_command_line gave (nullopt: go on).
std::optional<int> parse(ServerOptions& options, std::vector<std::string> args) {
    CLI::App app{"test", "test"};
    add_common_options(app, options);
    args.insert(args.begin(), "test");
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    return parse_command_line(app, static_cast<int>(argv.size()), argv.data());
}

}  // namespace

TEST_CASE("store flags: defaults are the sim store and Npgsql's pool", "[options]") {
    ServerOptions o;
    REQUIRE_FALSE(parse(o, {}));
    CHECK(o.store == StoreKind::sim);
    CHECK(o.pg_url.empty());
    CHECK(o.db_pool == 100);
    CHECK(o.db_acquire_timeout_ms == 15000);
    CHECK(to_string(o.store) == "sim");
}

TEST_CASE("store flags: postgres with its pool settings", "[options]") {
    ServerOptions o;
    REQUIRE_FALSE(parse(o, {"--store", "postgres", "--pg", "postgresql://u@127.0.0.1:5/db", "--db-pool", "7",
                            "--db-acquire-timeout-ms", "250"}));
    CHECK(o.store == StoreKind::postgres);
    CHECK(o.pg_url == "postgresql://u@127.0.0.1:5/db");
    CHECK(o.db_pool == 7);
    CHECK(o.db_acquire_timeout_ms == 250);
    CHECK(validate(o).has_value() == !postgres_supported());
}

TEST_CASE("store flags: a bad value is a bad command line", "[options]") {
    ServerOptions o;
    CHECK(parse(o, {"--store", "mysql"}) == 2);
    ServerOptions p;
    CHECK(parse(p, {"--db-pool", "0"}) == 2);
}
