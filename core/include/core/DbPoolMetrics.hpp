#pragma once
/// \file The database pool's metrics (`--store postgres` only: registered when a server uses PostgreSQL,
/// absent otherwise, never faked). Both servers' pools update the same names.

#include <prometheus/counter.h>
#include <prometheus/family.h>
#include <prometheus/gauge.h>
#include <prometheus/histogram.h>

#include <string_view>

namespace slowio {

class Metrics;

/// db_pool_* and db_* on a server's registry. Thread-safe (prometheus-cpp's metrics are atomic).
class DbPoolMetrics {
  public:
    /// Registers the family on `metrics`' registry.
    explicit DbPoolMetrics(Metrics& metrics);

    prometheus::Gauge& connections;  ///< db_pool_connections: open (usable) connections
    prometheus::Gauge& busy;         ///< db_pool_busy_connections: connections running a query
    prometheus::Gauge& waiters;      ///< db_pool_waiters: requests waiting for a free connection
    prometheus::Histogram& wait;     ///< db_pool_wait_seconds: time to get a connection (or give up)
    prometheus::Counter& queries;    ///< db_queries_total: queries sent

    /// db_errors_total{kind} += 1: connect, connection_lost, query, acquire_timeout.
    void count_error(std::string_view kind);

  private:
    prometheus::Family<prometheus::Counter>& errors_;
};

}  // namespace slowio
