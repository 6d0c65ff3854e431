#pragma once
/// \file Catch2 v2's session, compiled once (CatchSession.cpp holds Catch's implementation, the costliest
/// translation unit of the test build) and run by every test executable's main: catch_main.cpp's, and the
/// contract and postgres tests' own. Catch declares Catch::Session only where its implementation is compiled,
/// so a main elsewhere reaches it through this function.

#include <functional>
#include <string>
#include <vector>

namespace slowio::test {

/// A command-line option a test executable adds to Catch's own: `--flag VALUE` stored in `*value`.
struct ExtraOption {
    std::string flag;    ///< e.g. "--target-name"
    std::string hint;    ///< the value's name in --help
    std::string help;    ///< what it sets
    std::string* value;  ///< where the value goes (outlives the call)
};

/// Parses argv with Catch's options plus `extra`, calls `before_run` (if given; the extra options are set by
/// then), then runs the selected test cases. Returns Catch's exit code: non-zero after a bad option, else the
/// number of failed assertions (capped at 255).
int run_catch_session(int argc, char** argv, const std::vector<ExtraOption>& extra = {},
                      const std::function<void()>& before_run = {});

}  // namespace slowio::test
