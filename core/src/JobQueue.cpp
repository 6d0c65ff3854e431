#include "core/JobQueue.hpp"

#include "core/CpuWork.hpp"
#include "core/Metrics.hpp"

namespace slowio {

JobQueue::JobQueue(std::size_t capacity, std::size_t workers, Metrics* metrics, std::size_t retained)
    : capacity_(capacity), retained_(retained), metrics_(metrics) {
    if (workers == 0) workers = 1;
    workers_.reserve(workers);
    for (std::size_t i = 0; i < workers; ++i) workers_.emplace_back([this] { worker_loop(); });
}

JobQueue::~JobQueue() {
    {
        std::lock_guard lock(mutex_);
        stopping_ = true;
    }
    work_available_.notify_all();
    for (auto& t : workers_) t.join();
}

std::optional<std::uint64_t> JobQueue::submit(std::uint32_t n) {
    std::uint64_t id;
    {
        std::lock_guard lock(mutex_);
        if (stopping_ || pending_.size() >= capacity_) return std::nullopt;
        id = next_id_++;
        jobs_.emplace(id, Entry{Job{id, n, Status::queued, 0}, std::chrono::steady_clock::now()});
        pending_.push_back(id);
        if (metrics_) metrics_->jobs_queue_length().Set(static_cast<double>(pending_.size()));
    }
    work_available_.notify_one();
    return id;
}

std::optional<JobQueue::Job> JobQueue::find(std::uint64_t id) const {
    std::lock_guard lock(mutex_);
    const auto it = jobs_.find(id);
    if (it == jobs_.end()) return std::nullopt;
    return it->second.job;
}

std::size_t JobQueue::queued() const {
    std::lock_guard lock(mutex_);
    return pending_.size();
}

void JobQueue::wait_idle() {
    std::unique_lock lock(mutex_);
    idle_.wait(lock, [this] { return pending_.empty() && running_ == 0; });
}

std::string_view JobQueue::to_string(Status status) {
    switch (status) {
        case Status::queued:
            return "queued";
        case Status::running:
            return "running";
        case Status::done:
            return "done";
    }
    return "unknown";
}

void JobQueue::worker_loop() {
    std::unique_lock lock(mutex_);
    for (;;) {
        // Drain everything accepted before honouring stop: an accepted job is never lost.
        work_available_.wait(lock, [this] { return stopping_ || !pending_.empty(); });
        if (pending_.empty()) return;
        const std::uint64_t id = pending_.front();
        pending_.pop_front();
        if (metrics_) metrics_->jobs_queue_length().Set(static_cast<double>(pending_.size()));
        Job& job = jobs_.at(id).job;
        job.status = Status::running;
        const std::uint32_t n = job.n;
        ++running_;
        lock.unlock();
        const auto started = std::chrono::steady_clock::now();
        const std::uint64_t result = run_cpu_work(n);
        const auto ended = std::chrono::steady_clock::now();
        lock.lock();
        --running_;
        // unordered_map references stay valid across inserts, but a job may have been forgotten meanwhile
        // only if it was finished, which this one was not: at() is safe.
        Entry& done = jobs_.at(id);
        done.job.status = Status::done;
        done.job.result = result;
        if (metrics_) {
            using seconds = std::chrono::duration<double>;
            metrics_->jobs_run_seconds().Increment(seconds(ended - started).count());
            metrics_->jobs_latency_seconds().Increment(seconds(ended - done.accepted).count());
            metrics_->jobs_completed().Increment();
        }
        finished_order_.push_back(id);
        while (finished_order_.size() > retained_) {
            jobs_.erase(finished_order_.front());
            finished_order_.pop_front();
        }
        if (pending_.empty() && running_ == 0) idle_.notify_all();
    }
}

}  // namespace slowio
