#include <catch2/catch.hpp>

#include "core/Metrics.hpp"

using namespace slowio;

TEST_CASE("only the groups a server enables are exported", "[metrics]") {
    Metrics m;
    std::string text = m.render();
    for (const char* name : {"http_requests_in_flight", "http_connections_open", "store_calls_total",
                             "jobs_queue_length", "process_resident_memory_bytes", "process_threads"}) {
        INFO(name);
        CHECK(text.find(name) != std::string::npos);
    }
    CHECK(text.find("threadpool_threads") == std::string::npos);
    CHECK(text.find("eventloop_lag_seconds") == std::string::npos);
    CHECK(text.find("deadlock_detected") == std::string::npos);

    auto& pool = m.enable_threadpool();
    CHECK(&pool == &m.enable_threadpool());
    pool.threads.Set(10);
    pool.queue_wait_seconds.Observe(0.2);
    m.enable_eventloop().lag_max_seconds.Set(0.5);
    m.enable_deadlock_detected().Set(1);
    m.count_rejected("queue_full");
    text = m.render();
    CHECK(text.find("threadpool_threads 10") != std::string::npos);
    CHECK(text.find("threadpool_queue_wait_seconds_count 1") != std::string::npos);
    CHECK(text.find("eventloop_lag_max_seconds 0.5") != std::string::npos);
    CHECK(text.find("deadlock_detected 1") != std::string::npos);
    CHECK(text.find("http_rejected_total{reason=\"queue_full\"} 1") != std::string::npos);
}

TEST_CASE("process metrics read /proc", "[metrics]") {
    CHECK(resident_memory_bytes() > 1024 * 1024);
    CHECK(process_thread_count() >= 1);
}
