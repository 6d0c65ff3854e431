#pragma once
/// \file Background jobs: a bounded queue drained by dedicated worker threads (the IHostedService /
/// BackgroundService analogue), so CPU work accepted by POST /jobs never runs on a request thread.

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <mutex>
#include <optional>
#include <string_view>
#include <thread>
#include <unordered_map>
#include <vector>

namespace slowio {

class Metrics;

/// A bounded FIFO of CPU jobs with their status kept for lookup.
class JobQueue {
  public:
    /// Lifecycle of a job.
    enum class Status { queued, running, done };
    /// A snapshot of one job.
    struct Job {
        std::uint64_t id = 0;
        std::uint32_t n = 0;
        Status status = Status::queued;
        std::uint64_t result = 0;  ///< valid when done
    };

    /// `capacity` queued (not yet running) jobs at most; `workers` background threads; the last `retained`
    /// finished jobs stay queryable (older ones are forgotten so memory stays bounded).
    explicit JobQueue(std::size_t capacity = 1024, std::size_t workers = 1, Metrics* metrics = nullptr,
                      std::size_t retained = 100'000);
    /// Runs every accepted job to completion, then joins the workers (nothing accepted is lost).
    ~JobQueue();
    JobQueue(const JobQueue&) = delete;
    JobQueue& operator=(const JobQueue&) = delete;

    /// Accepts a job; nullopt when the queue is full (→ 503 with Retry-After).
    std::optional<std::uint64_t> submit(std::uint32_t n);
    /// The job's current state, or nullopt for an unknown (or forgotten) id.
    std::optional<Job> find(std::uint64_t id) const;
    /// Jobs accepted and not yet started.
    std::size_t queued() const;
    /// Blocks until no job is queued or running (tests, graceful shutdown).
    void wait_idle();

    /// "queued" / "running" / "done".
    static std::string_view to_string(Status status);

  private:
    void worker_loop();

    /// A job and when it was accepted (for jobs_latency_seconds_total).
    struct Entry {
        Job job;
        std::chrono::steady_clock::time_point accepted;
    };

    const std::size_t capacity_;
    const std::size_t retained_;
    Metrics* metrics_;
    mutable std::mutex mutex_;
    std::condition_variable work_available_;
    std::condition_variable idle_;
    std::deque<std::uint64_t> pending_;
    std::deque<std::uint64_t> finished_order_;
    std::unordered_map<std::uint64_t, Entry> jobs_;
    std::uint64_t next_id_ = 1;
    std::size_t running_ = 0;
    bool stopping_ = false;
    std::vector<std::thread> workers_;
};

}  // namespace slowio
