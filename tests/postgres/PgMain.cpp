// The postgres tests' main: exit 77 (ctest: Skipped) without a private cluster, so a missing PostgreSQL is
// never reported as a pass.
#define CATCH_CONFIG_RUNNER
#include <catch2/catch.hpp>
#include <iostream>

#include "PgTestSupport.hpp"

int main(int argc, char** argv) {
    if (slowio::test::pg_url().empty()) {
        std::cout << "skipped: SLOWIO_PG_URL not set (run under `python3 -m slowio.postgres run`)\n";
        return 77;
    }
    return Catch::Session().run(argc, argv);
}
