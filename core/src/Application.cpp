#include "core/Application.hpp"

#ifdef SLOWIO_HAVE_LIBPQ
#include "core/PgUsers.hpp"
#endif

namespace slowio {

Application::Application(const ServerOptions& o)
    : latency(
          LatencyModel::parse(std::chrono::milliseconds(o.store_latency_ms), o.store_jitter, o.store_seed)),
      store(SlowStore::Options{o.db_path, o.users, &latency, 4, &metrics}),
      jobs(o.job_queue_capacity, o.job_workers, &metrics),
      handler(jobs, metrics),
      shutdown_grace_(o.shutdown_grace_ms >= 0 ? std::chrono::milliseconds(o.shutdown_grace_ms)
                                               : std::chrono::milliseconds(o.store_latency_ms + 1000)) {
    if (o.store != StoreKind::postgres) return;
#ifdef SLOWIO_HAVE_LIBPQ
    prepare_pg_schema(o.pg_url, o.users);
    db = DbSettings{o.pg_url, o.db_pool, std::chrono::milliseconds(o.db_acquire_timeout_ms)};
    db_metrics = std::make_unique<DbPoolMetrics>(metrics);
#endif
}

}  // namespace slowio
