// The postgres tests' main: exit 77 (ctest: Skipped) without a private cluster, so a missing PostgreSQL is
// never reported as a pass.
#include <iostream>

#include "CatchSession.hpp"
#include "PgTestSupport.hpp"

int main(int argc, char** argv) {
    if (slowio::test::pg_url().empty()) {
        std::cout << "skipped: SLOWIO_PG_URL not set (run under `python3 -m slowio.postgres run`)\n";
        return 77;
    }
    return slowio::test::run_catch_session(argc, argv);
}
