#pragma once
/// \file The metrics registry both servers share (prometheus-cpp core, text exposition).
///
/// The suite's own names; core/README.md maps each to dotnet-counters' and .NET 9+'s where .NET measures the
/// same thing (threads, queue length, completed items). A group that does not apply to a server
/// (thread pool, event loop, deadlock watchdog) is registered only when that server enables it, so a
/// metric that does not apply is absent from /metrics, never faked.

#include <prometheus/counter.h>
#include <prometheus/family.h>
#include <prometheus/gauge.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>

#include <array>
#include <atomic>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>

namespace slowio {

/// Thread-pool metrics (server_sync's WorkerPool; server_async's io threads where meaningful).
struct ThreadPoolMetrics {
    prometheus::Gauge& threads;                 ///< threadpool_threads
    prometheus::Gauge& busy_threads;            ///< threadpool_busy_threads
    prometheus::Gauge& queue_length;            ///< threadpool_queue_length
    prometheus::Counter& completed_items;       ///< threadpool_completed_items_total
    prometheus::Histogram& queue_wait_seconds;  ///< threadpool_queue_wait_seconds
};

/// Event-loop health (server_async): how late a 10 ms ticker wakes.
struct EventLoopMetrics {
    prometheus::Histogram& lag_seconds;  ///< eventloop_lag_seconds
    prometheus::Gauge& lag_max_seconds;  ///< eventloop_lag_max_seconds (max since start)
};

/// The registry and the metrics every server has.
class Metrics {
  public:
    Metrics();

    /// http_requests_in_flight: requests parsed and not yet answered.
    prometheus::Gauge& requests_in_flight() { return *in_flight_; }
    /// http_connections_open.
    prometheus::Gauge& connections_open() { return *connections_; }
    /// store_calls_total: store calls performed (blocking or awaited).
    prometheus::Counter& store_calls() { return *store_calls_; }
    /// jobs_queue_length: background jobs accepted and not yet started.
    prometheus::Gauge& jobs_queue_length() { return *jobs_queue_; }
    /// jobs_completed_total: background jobs finished.
    prometheus::Counter& jobs_completed() { return *jobs_completed_; }
    /// jobs_latency_seconds_total: summed time from a job's acceptance (the 202) to its end.
    prometheus::Counter& jobs_latency_seconds() { return *jobs_latency_; }
    /// jobs_run_seconds_total: summed time job workers spent running jobs (thread-seconds).
    prometheus::Counter& jobs_run_seconds() { return *jobs_run_; }
    /// cpu_work_request_seconds_total: summed time POST /work requests were being performed, from the server
    /// starting the work to its result (its rate is the CPU requests in flight on average).
    prometheus::Counter& cpu_work_request_seconds() { return *cpu_request_seconds_; }
    /// cpu_work_thread_seconds_total: summed time threads were held by POST /work, running it or blocked
    /// waiting for another thread to run it (÷ the request seconds: threads per in-flight CPU request).
    prometheus::Counter& cpu_work_thread_seconds() { return *cpu_thread_seconds_; }
    /// http_responses_total{code} += 1. Thread-safe.
    void count_response(int status);
    /// http_rejected_total{reason} += 1 (queue_full, max_connections, header_timeout, ...). Thread-safe.
    void count_rejected(std::string_view reason);
    /// The outcome of a request whose client closed or reset its connection before the response was written.
    enum class Abandoned {
        ran,      ///< the server performed it anyway (its response, if written at all, reached no one)
        dropped,  ///< discarded before it was performed (--drop-abandoned)
    };
    /// http_requests_abandoned_total{outcome} += 1. Thread-safe.
    void count_abandoned(Abandoned outcome);

    /// Registers the threadpool_* family on first call; later calls return the same metrics.
    ThreadPoolMetrics& enable_threadpool();
    /// Registers the eventloop_* family on first call.
    EventLoopMetrics& enable_eventloop();
    /// Registers deadlock_detected (0/1) on first call.
    prometheus::Gauge& enable_deadlock_detected();

    /// Prometheus text exposition (0.0.4) of everything registered, plus process_resident_memory_bytes
    /// and process_threads read from /proc at the time of the call. Thread-safe.
    std::string render();

    /// The underlying registry (for tests and extensions).
    prometheus::Registry& registry() { return *registry_; }

  private:
    std::shared_ptr<prometheus::Registry> registry_;
    prometheus::Gauge* in_flight_;
    prometheus::Gauge* connections_;
    prometheus::Counter* store_calls_;
    prometheus::Gauge* jobs_queue_;
    prometheus::Counter* jobs_completed_;
    prometheus::Counter* jobs_latency_;
    prometheus::Counter* jobs_run_;
    prometheus::Counter* cpu_request_seconds_;
    prometheus::Counter* cpu_thread_seconds_;
    prometheus::Family<prometheus::Counter>* responses_;
    /// Per-status counters resolved once: Family::Add builds and hashes a label map under a mutex, too much
    /// for every response on the /health fast path.
    std::array<std::atomic<prometheus::Counter*>, 600> response_counters_{};
    prometheus::Family<prometheus::Counter>* rejected_;
    prometheus::Counter* abandoned_ran_;
    prometheus::Counter* abandoned_dropped_;
    prometheus::Gauge* rss_;
    prometheus::Gauge* process_threads_;
    std::mutex groups_mutex_;
    std::unique_ptr<ThreadPoolMetrics> threadpool_;
    std::unique_ptr<EventLoopMetrics> eventloop_;
    prometheus::Gauge* deadlock_ = nullptr;
};

/// Resident set size of this process in bytes (from /proc/self/statm), 0 if unavailable.
std::size_t resident_memory_bytes();
/// Number of threads of this process (from /proc/self/status), 0 if unavailable.
std::size_t process_thread_count();

}  // namespace slowio
