#pragma once
// What the loadgen run tests share: a Config aimed at the in-test server, and a run that must start.
#include <catch2/catch.hpp>
#include <chrono>
#include <string>

#include "LoadGenerator.hpp"
#include "TestServer.hpp"

namespace slowio::loadgen::test {

/// A closed loop of `connections` against `server`, timeout 5 s, no progress line.
inline Config config_for(const TestServer& server, unsigned connections, std::chrono::nanoseconds duration,
                         std::chrono::nanoseconds warmup) {
    Config c;
    c.target = *parse_url(server.url("/"));
    c.connections = connections;
    c.duration = duration;
    c.warmup = warmup;
    c.timeout = std::chrono::seconds(5);
    c.progress = false;
    return c;
}

/// Runs `c`; fails the test case (with the reason) when it cannot start.
inline RunResult run(const Config& c) {
    std::string error;
    auto r = run_load(c, error);
    INFO(error);
    REQUIRE(r);
    return std::move(*r);
}

}  // namespace slowio::loadgen::test
