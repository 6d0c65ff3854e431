#pragma once
/// \file What the contract tests share: the target under test, skipping a case the target cannot run, and
/// the reference bytes core renders for a request.

#include <string>

#include "Conditions.hpp"
#include "HttpClient.hpp"
#include "PrometheusText.hpp"
#include "ServerProcess.hpp"
#include "Target.hpp"

namespace slowio::test {

/// The server under test (Target::from_environment()).
const Target& target();

/// Records that the running test case was skipped, and why (printed, and the process exits with ctest's
/// skip code 77 when every case it ran was skipped). Use SKIP_CASE, which also returns from the case.
void record_skip(const std::string& reason);

/// The response core's own handler and serializer give `raw_request` on a fresh connection, without its Date
/// header: what every server must send byte for byte. User ids 1..999 exist (the targets are started with
/// at least 1,000 rows), ids beyond 10,000,000 never do.
std::string reference_response(const std::string& raw_request);

/// `response` as raw bytes without its Date header (compared with reference_response()).
std::string without_date(const ClientResponse& response);

/// The status line of raw response bytes (without CRLF).
std::string status_line_of(const std::string& raw);
/// The body of raw response bytes (after the blank line).
std::string body_of(const std::string& raw);

}  // namespace slowio::test

/// Skips the current test case with `reason` (a std::string expression).
#define SKIP_CASE(reason)                    \
    do {                                     \
        ::slowio::test::record_skip(reason); \
        return;                              \
    } while (false)

/// Skips the current test case unless the target's command has a placeholder for every setting named.
#define REQUIRE_PLACEHOLDERS(...)                                                                    \
    do {                                                                                             \
        const std::string missing_ =                                                                 \
            ::slowio::test::target().missing(::slowio::test::TargetSettings{__VA_ARGS__});           \
        if (!missing_.empty()) SKIP_CASE("the target's command has no placeholder for " + missing_); \
    } while (false)
