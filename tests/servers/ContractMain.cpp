// The contract tests' Catch2 main: as the shared one, plus the target and skipping. The target comes from
// --target-name/--target-command/--target-traits (how ctest passes it) or from the SLOWIO_TARGET_*
// environment variables (Target::from_environment()).
//
// Skipping: A case the target cannot run records a
// skip and returns; when every case this process ran was skipped (ctest runs one case per process), the
// exit code is 77, which ctest reports as "Skipped" (SKIP_RETURN_CODE), never as passed.
// Catch's implementation is slowio_catch_runner's (CatchSession.cpp); here only the listener interface.
#define CATCH_CONFIG_EXTERNAL_INTERFACES
#include <stdlib.h>

#include <catch2/catch.hpp>
#include <iostream>
#include <string>
#include <vector>

#include "CatchSession.hpp"

namespace slowio::test {

namespace {
std::size_t cases_started = 0;
std::vector<std::string> skipped;

struct CaseCounter : Catch::TestEventListenerBase {
    using TestEventListenerBase::TestEventListenerBase;
    void testCaseStarting(const Catch::TestCaseInfo& info) override {
        ++cases_started;
        current = info.name;
    }
    static inline std::string current;
};
CATCH_REGISTER_LISTENER(CaseCounter)

}  // namespace

void record_skip(const std::string& reason) {
    skipped.push_back(CaseCounter::current + ": " + reason);
    std::cout << "SKIPPED: " << CaseCounter::current << ": " << reason << std::endl;
}

}  // namespace slowio::test

int main(int argc, char** argv) {
    using namespace slowio::test;
    std::string name, command, traits;
    const int failed = run_catch_session(
        argc, argv,
        {{"--target-name", "name", "display name of the server under test", &name},
         {"--target-command", "argv template",
          "the server under test: an argv template with {port}, {latency_ms}, {name=default}", &command},
         {"--target-traits", "list", "comma-separated: metrics, logs", &traits}},
        [&] {
            // One source of truth for the tests: the environment Target::from_environment() reads.
            if (!command.empty()) ::setenv("SLOWIO_TARGET_COMMAND", command.c_str(), 1);
            if (!name.empty()) ::setenv("SLOWIO_TARGET_NAME", name.c_str(), 1);
            if (!traits.empty()) ::setenv("SLOWIO_TARGET_TRAITS", traits.c_str(), 1);
        });
    // Catch's count of failed assertions (capped at 255): never 77, which would read as "skipped".
    if (failed != 0) return failed == 77 ? 1 : failed;
    for (const auto& s : skipped) std::cout << "skipped: " << s << "\n";
    if (!skipped.empty() && skipped.size() == cases_started) return 77;
    return 0;
}
