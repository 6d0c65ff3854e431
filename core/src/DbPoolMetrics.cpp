#include "core/DbPoolMetrics.hpp"

#include <prometheus/registry.h>

#include <string>

#include "core/Metrics.hpp"

namespace slowio {

namespace {
const prometheus::Histogram::BucketBoundaries acquire_buckets{
    0.0001, 0.0005, 0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 15, 30, 60};
}  // namespace

DbPoolMetrics::DbPoolMetrics(Metrics& metrics)
    : connections(prometheus::BuildGauge()
                      .Name("db_pool_connections")
                      .Help("Open database connections in the pool")
                      .Register(metrics.registry())
                      .Add({})),
      busy(prometheus::BuildGauge()
               .Name("db_pool_busy_connections")
               .Help("Database connections taken by a request")
               .Register(metrics.registry())
               .Add({})),
      waiters(prometheus::BuildGauge()
                  .Name("db_pool_waiters")
                  .Help("Requests waiting for a free database connection")
                  .Register(metrics.registry())
                  .Add({})),
      wait(prometheus::BuildHistogram()
               .Name("db_pool_wait_seconds")
               .Help("Time a request waited for a database connection (or until it gave up)")
               .Register(metrics.registry())
               .Add({}, acquire_buckets)),
      queries(prometheus::BuildCounter()
                  .Name("db_queries_total")
                  .Help("Database queries sent")
                  .Register(metrics.registry())
                  .Add({})),
      errors_(prometheus::BuildCounter()
                  .Name("db_errors_total")
                  .Help("Database errors by kind")
                  .Register(metrics.registry())) {}

void DbPoolMetrics::count_error(std::string_view kind) {
    errors_.Add({{"kind", std::string(kind)}}).Increment();
}

}  // namespace slowio
