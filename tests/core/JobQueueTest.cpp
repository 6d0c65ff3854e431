#include <catch2/catch.hpp>
#include <chrono>
#include <thread>
#include <vector>

#include "core/CpuWork.hpp"
#include "core/JobQueue.hpp"
#include "core/Metrics.hpp"

using namespace slowio;

TEST_CASE("jobs complete with the work's digest", "[jobs]") {
    Metrics metrics;
    JobQueue q(16, 2, &metrics);
    std::vector<std::uint64_t> ids;
    for (std::uint32_t n = 1; n <= 10; ++n) ids.push_back(*q.submit(n * 1000));
    q.wait_idle();
    for (std::size_t i = 0; i < ids.size(); ++i) {
        const auto job = q.find(ids[i]);
        REQUIRE(job);
        CHECK(job->status == JobQueue::Status::done);
        CHECK(job->result == run_cpu_work(static_cast<std::uint32_t>((i + 1) * 1000)));
    }
    CHECK(metrics.jobs_queue_length().Value() == 0);
    CHECK_FALSE(q.find(12345));
    // Every job counted once; a job's latency (acceptance to end) includes its run, so the sums compare.
    CHECK(metrics.jobs_completed().Value() == 10);
    CHECK(metrics.jobs_run_seconds().Value() > 0);
    CHECK(metrics.jobs_latency_seconds().Value() >= metrics.jobs_run_seconds().Value());
}

TEST_CASE("a full queue refuses and nothing accepted is lost at shutdown", "[jobs]") {
    Metrics metrics;
    {
        JobQueue q(3, 1, &metrics);
        const auto first = q.submit(100'000'000);  // occupies the single worker
        REQUIRE(first);
        while (q.queued() != 0) std::this_thread::sleep_for(std::chrono::milliseconds(1));
        CHECK(q.find(*first)->status == JobQueue::Status::running);
        std::vector<std::uint64_t> queued;
        for (int i = 0; i < 3; ++i) queued.push_back(*q.submit(10));
        CHECK_FALSE(q.submit(10));
        CHECK(q.find(queued.back())->status == JobQueue::Status::queued);
    }
    // The destructor drained: the running job and the three queued ones all ran, the refused one did not.
    CHECK(metrics.jobs_completed().Value() == 4);
    CHECK(metrics.jobs_queue_length().Value() == 0);
}

TEST_CASE("finished jobs beyond the retention bound are forgotten", "[jobs]") {
    JobQueue q(100, 1, nullptr, 5);
    std::vector<std::uint64_t> ids;
    for (int i = 0; i < 10; ++i) ids.push_back(*q.submit(1));
    q.wait_idle();
    CHECK_FALSE(q.find(ids[0]));
    CHECK(q.find(ids[9]));
}

TEST_CASE("cpu work is deterministic and its digest depends on n", "[jobs]") {
    CHECK(run_cpu_work(1000) == run_cpu_work(1000));
    CHECK(run_cpu_work(1000) != run_cpu_work(1001));
}
