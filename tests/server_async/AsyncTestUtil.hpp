#pragma once
/// \file Helpers shared by the server_async test files.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "HttpClient.hpp"

namespace slowio::test {

/// Path of the server_async binary under test.
std::string async_binary();
/// Arguments for a quick test server: ephemeral port, `latency_ms` store latency, a small table, quiet logs;
/// `extra` appended.
std::vector<std::string> server_args(int latency_ms, const std::vector<std::string>& extra = {});
/// Value of the first sample of `name` (exact name, with or without labels) in a Prometheus text body;
/// nullopt when absent.
std::optional<double> metric_value(const std::string& exposition, const std::string& name);
/// GET /metrics on a fresh connection; "" on failure.
std::string fetch_metrics(std::uint16_t port);
/// A response with the Date header removed: what "byte-identical except Date" compares.
std::string without_date(const ClientResponse& response);

}  // namespace slowio::test
