#pragma once
#include <nlohmann/json.hpp>
#include <string>
#include <system_error>

#include "RunResult.hpp"

namespace slowio::loadgen {

/// The --json document: every figure of a run, under the keys bench/loadgen/README.md ("Reports") lists
/// (config, machine, window_s, throughput_rps, requests, latency_us, latency_uncorrected_us, littles_law,
/// per_connection, server).
class JsonReport {
  public:
    /// Builds the document.
    static nlohmann::json build(const RunResult& r);
    /// Writes it (pretty-printed) to `path`.
    static std::error_code write(const RunResult& r, const std::string& path);
};

}  // namespace slowio::loadgen
