#include "core/Metrics.hpp"

#include <prometheus/text_serializer.h>
#include <unistd.h>

#include <fstream>
#include <string>

namespace slowio {

namespace {
const prometheus::Histogram::BucketBoundaries wait_buckets{
    0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 20, 30, 60};
const prometheus::Histogram::BucketBoundaries lag_buckets{0.0005, 0.001, 0.002, 0.005, 0.01, 0.02, 0.05,
                                                          0.1,    0.2,   0.5,   1,     2,    5,    10};
}  // namespace

Metrics::Metrics() : registry_(std::make_shared<prometheus::Registry>()) {
    using namespace prometheus;
    in_flight_ = &BuildGauge()
                      .Name("http_requests_in_flight")
                      .Help("Requests parsed and not yet answered")
                      .Register(*registry_)
                      .Add({});
    connections_ = &BuildGauge()
                        .Name("http_connections_open")
                        .Help("Open client connections")
                        .Register(*registry_)
                        .Add({});
    store_calls_ = &BuildCounter()
                        .Name("store_calls_total")
                        .Help("Slow store calls performed (blocking or awaited)")
                        .Register(*registry_)
                        .Add({});
    jobs_queue_ = &BuildGauge()
                       .Name("jobs_queue_length")
                       .Help("Background jobs accepted and not yet started")
                       .Register(*registry_)
                       .Add({});
    const auto counter = [this](const char* name, const char* help) {
        return &BuildCounter().Name(name).Help(help).Register(*registry_).Add({});
    };
    jobs_completed_ = counter("jobs_completed_total", "Background jobs finished");
    jobs_latency_ = counter("jobs_latency_seconds_total", "Summed time from a job's acceptance to its end");
    jobs_run_ = counter("jobs_run_seconds_total", "Summed time job workers spent running jobs");
    cpu_request_seconds_ =
        counter("cpu_work_request_seconds_total", "Summed time POST /work requests were being performed");
    cpu_thread_seconds_ =
        counter("cpu_work_thread_seconds_total",
                "Summed time threads were held by POST /work (running it or blocked on it)");
    responses_ = &BuildCounter()
                      .Name("http_responses_total")
                      .Help("Responses sent by status code")
                      .Register(*registry_);
    rejected_ = &BuildCounter()
                     .Name("http_rejected_total")
                     .Help("Requests or connections refused by the server, by reason")
                     .Register(*registry_);
    auto& abandoned = BuildCounter()
                          .Name("http_requests_abandoned_total")
                          .Help("Requests whose client left before the response was written, by outcome")
                          .Register(*registry_);
    abandoned_ran_ = &abandoned.Add({{"outcome", "ran"}});
    abandoned_dropped_ = &abandoned.Add({{"outcome", "dropped"}});
    rss_ = &BuildGauge()
                .Name("process_resident_memory_bytes")
                .Help("Resident memory size in bytes")
                .Register(*registry_)
                .Add({});
    process_threads_ =
        &BuildGauge().Name("process_threads").Help("OS threads in this process").Register(*registry_).Add({});
}

void Metrics::count_response(int status) {
    if (status < 0 || status >= static_cast<int>(response_counters_.size())) {
        responses_->Add({{"code", std::to_string(status)}}).Increment();
        return;
    }
    auto& slot = response_counters_[static_cast<std::size_t>(status)];
    prometheus::Counter* counter = slot.load(std::memory_order_acquire);
    if (!counter) {
        // Add() is idempotent for equal labels, so two threads racing here store the same pointer.
        counter = &responses_->Add({{"code", std::to_string(status)}});
        slot.store(counter, std::memory_order_release);
    }
    counter->Increment();
}

void Metrics::count_rejected(std::string_view reason) {
    rejected_->Add({{"reason", std::string(reason)}}).Increment();
}

void Metrics::count_abandoned(Abandoned outcome) {
    (outcome == Abandoned::ran ? abandoned_ran_ : abandoned_dropped_)->Increment();
}

ThreadPoolMetrics& Metrics::enable_threadpool() {
    std::lock_guard lock(groups_mutex_);
    if (!threadpool_) {
        using namespace prometheus;
        threadpool_.reset(new ThreadPoolMetrics{
            BuildGauge().Name("threadpool_threads").Help("Worker threads").Register(*registry_).Add({}),
            BuildGauge()
                .Name("threadpool_busy_threads")
                .Help("Worker threads running a work item")
                .Register(*registry_)
                .Add({}),
            BuildGauge()
                .Name("threadpool_queue_length")
                .Help("Work items waiting for a worker")
                .Register(*registry_)
                .Add({}),
            BuildCounter()
                .Name("threadpool_completed_items_total")
                .Help("Work items completed")
                .Register(*registry_)
                .Add({}),
            BuildHistogram()
                .Name("threadpool_queue_wait_seconds")
                .Help("Time a work item waited in the queue for a worker")
                .Register(*registry_)
                .Add({}, wait_buckets),
        });
    }
    return *threadpool_;
}

EventLoopMetrics& Metrics::enable_eventloop() {
    std::lock_guard lock(groups_mutex_);
    if (!eventloop_) {
        using namespace prometheus;
        eventloop_.reset(new EventLoopMetrics{
            BuildHistogram()
                .Name("eventloop_lag_seconds")
                .Help("How late a periodic 10 ms ticker on the event loop woke up")
                .Register(*registry_)
                .Add({}, lag_buckets),
            BuildGauge()
                .Name("eventloop_lag_max_seconds")
                .Help("Largest event-loop lag seen since start")
                .Register(*registry_)
                .Add({}),
        });
    }
    return *eventloop_;
}

prometheus::Gauge& Metrics::enable_deadlock_detected() {
    std::lock_guard lock(groups_mutex_);
    if (!deadlock_) {
        deadlock_ = &prometheus::BuildGauge()
                         .Name("deadlock_detected")
                         .Help("1 once the watchdog saw the event loop stuck past its bound")
                         .Register(*registry_)
                         .Add({});
    }
    return *deadlock_;
}

std::string Metrics::render() {
    rss_->Set(static_cast<double>(resident_memory_bytes()));
    process_threads_->Set(static_cast<double>(process_thread_count()));
    return prometheus::TextSerializer().Serialize(registry_->Collect());
}

std::size_t resident_memory_bytes() {
    std::ifstream statm("/proc/self/statm");
    std::size_t total = 0, resident = 0;
    if (!(statm >> total >> resident)) return 0;
    return resident * static_cast<std::size_t>(::sysconf(_SC_PAGESIZE));
}

std::size_t process_thread_count() {
    std::ifstream status("/proc/self/status");
    std::string line;
    while (std::getline(status, line)) {
        if (line.rfind("Threads:", 0) == 0) return std::stoul(line.substr(8));
    }
    return 0;
}

}  // namespace slowio
