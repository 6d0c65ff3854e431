#pragma once
/// \file Test support: reading a server's /metrics (Prometheus text exposition).

#include <cstdint>
#include <optional>
#include <string>

namespace slowio::test {

/// The value of the first sample of `series` in a Prometheus text body, nullopt when absent. `series` is a
/// metric name (`threadpool_busy_threads`; a labelled sample of that name matches too) or a name with its
/// labels exactly as exposed (`http_rejected_total{reason="queue_full"}`).
std::optional<double> metric_value(const std::string& exposition, const std::string& series);

/// GET /metrics on a fresh connection to 127.0.0.1:`port`; "" when it fails.
std::string scrape_metrics(std::uint16_t port);

}  // namespace slowio::test
