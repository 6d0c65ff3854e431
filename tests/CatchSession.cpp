// Catch2 v2's implementation (CATCH_CONFIG_RUNNER: no main of its own), compiled once for every test
// executable: about 20 s at -O2, more under the sanitizers, once instead of once per executable.
#define CATCH_CONFIG_RUNNER
#include "CatchSession.hpp"

#include <catch2/catch.hpp>

namespace slowio::test {

int run_catch_session(int argc, char** argv, const std::vector<ExtraOption>& extra,
                      const std::function<void()>& before_run) {
    Catch::Session session;
    auto cli = session.cli();
    for (const ExtraOption& o : extra) cli |= Catch::clara::Opt(*o.value, o.hint)[o.flag](o.help);
    session.cli(cli);
    if (const int rc = session.applyCommandLine(argc, argv); rc != 0) return rc;
    if (before_run) before_run();
    return session.run();
}

}  // namespace slowio::test
