#include "server_sync/WorkerPool.hpp"

#include <algorithm>
#include <cstring>
#include <exception>
#include <stdexcept>

#include "core/Log.hpp"
#include "core/Metrics.hpp"

namespace slowio::sync {

namespace {

#if defined(__SANITIZE_ADDRESS__)
// ASan's redzones make frames several times larger; give sanitized builds room instead of false overflows.
constexpr std::size_t stack_factor = 4;
#else
constexpr std::size_t stack_factor = 1;
#endif

double seconds(std::chrono::steady_clock::duration d) {
    return std::chrono::duration<double>(d).count();
}

}  // namespace

/// What a new thread needs; heap-allocated because pthread_create takes one void*.
struct WorkerPool::StartArgs {
    WorkerPool* pool;
    Worker* worker;  ///< nullptr: the gate thread
};

WorkerPool::WorkerPool(Options options) : options_(std::move(options)) {
    if (options_.mode == Mode::elastic) {
        options_.min_threads = std::max<std::size_t>(1, options_.min_threads);
        options_.max_threads = std::max(options_.max_threads, options_.min_threads);
    }
    const std::size_t initial = options_.mode == Mode::fixed ? options_.threads : options_.min_threads;
    std::lock_guard lock(mutex_);
    last_dequeue_ = now();
    for (std::size_t i = 0; i < initial; ++i) {
        if (!spawn_locked(false, last_dequeue_)) break;
    }
    if (live_ == 0) throw std::runtime_error("could not start any worker thread");
    if (live_ < initial) log(LogLevel::warn, "started only {} of {} worker threads", live_, initial);
    if (options_.mode == Mode::elastic && options_.gate_thread) {
        pthread_attr_t attr;
        pthread_attr_init(&attr);
        pthread_attr_setstacksize(&attr, options_.stack_size * stack_factor);
        auto* args = new StartArgs{this, nullptr};
        const int rc = pthread_create(&gate_, &attr, &WorkerPool::thread_entry, args);
        pthread_attr_destroy(&attr);
        if (rc != 0) {
            delete args;
            log(LogLevel::error, "could not start the gate thread: {}; the pool stays at {} threads",
                std::strerror(rc), live_);
        } else {
            has_gate_ = true;
        }
    }
    update_gauges_locked();
}

WorkerPool::~WorkerPool() {
    shutdown();
}

std::chrono::steady_clock::time_point WorkerPool::now() const {
    return options_.clock ? options_.clock() : std::chrono::steady_clock::now();
}

void* WorkerPool::thread_entry(void* arg) {
    const StartArgs args = *static_cast<StartArgs*>(arg);
    delete static_cast<StartArgs*>(arg);
    if (args.worker) {
        args.pool->worker_loop(*args.worker);
    } else {
        args.pool->gate_loop();
    }
    return nullptr;
}

bool WorkerPool::spawn_locked(bool injected, std::chrono::steady_clock::time_point at) {
    Worker& w = workers_.emplace_back();
    w.injected = injected;
    w.spawned_at = at;
    w.idle_since = at;
    // std::thread cannot choose its stack size; pthread attributes can (see Options::stack_size).
    pthread_attr_t attr;
    pthread_attr_init(&attr);
    pthread_attr_setstacksize(&attr, options_.stack_size * stack_factor);
    auto* args = new StartArgs{this, &w};
    const int rc = pthread_create(&w.handle, &attr, &WorkerPool::thread_entry, args);
    pthread_attr_destroy(&attr);
    if (rc != 0) {
        delete args;
        workers_.pop_back();
        log(LogLevel::warn, "could not start worker thread #{}: {}", live_ + 1, std::strerror(rc));
        return false;
    }
    ++live_;
    return true;
}

bool WorkerPool::try_submit(Task task) {
    {
        std::lock_guard lock(mutex_);
        if (stopping_) return false;
        if (options_.queue_limit != 0 && queue_.size() >= options_.queue_limit) return false;
        queue_.push_back(Item{std::move(task), now()});
        update_gauges_locked();
    }
    work_available_.notify_one();
    return true;
}

void WorkerPool::worker_loop(Worker& self) {
    bool first_item = true;
    std::unique_lock lock(mutex_);
    for (;;) {
        work_available_.wait(lock, [&] { return !queue_.empty() || stopping_ || self.retire; });
        if (queue_.empty()) {  // stopping with nothing left, or retired by the gate
            self.exited = true;
            --live_;
            update_gauges_locked();
            state_changed_.notify_all();
            return;
        }
        self.retire = false;  // work arrived before the retirement took effect: keep working
        Item item = std::move(queue_.front());
        queue_.pop_front();
        const auto t = now();
        // The first item of a thread the gate just injected is a consequence of the injection, not progress
        // by the threads that were starving: stamp it with the injection time, so that the next gate check
        // one period later still sees starvation if this thread blocks too. Without this, thread start-up
        // jitter (tens of microseconds) makes every other check miss and halves the injection rate.
        auto stamp = t;
        if (first_item && self.injected && t - self.spawned_at < options_.gate_period)
            stamp = self.spawned_at;
        first_item = false;
        last_dequeue_ = std::max(last_dequeue_, stamp);
        self.idle = false;
        ++busy_;
        update_gauges_locked();
        if (options_.metrics) options_.metrics->queue_wait_seconds.Observe(seconds(t - item.enqueued));
        lock.unlock();
        try {
            item.task();
        } catch (const std::exception& e) {
            log(LogLevel::error, "work item failed: {}", e.what());
        } catch (...) {
            log(LogLevel::error, "work item failed with a non-standard exception");
        }
        item.task = nullptr;  // release captured state (e.g. a connection) outside the lock
        lock.lock();
        --busy_;
        ++completed_;
        self.idle = true;
        self.idle_since = now();
        if (options_.metrics) options_.metrics->completed_items.Increment();
        update_gauges_locked();
        state_changed_.notify_all();
    }
}

void WorkerPool::gate_loop() {
    std::unique_lock lock(mutex_);
    while (!stopping_) {
        // Next check a full period after this one's clock reading, so two checks are never closer than the
        // starvation delay (a drifting cadence is fine; a short interval would miss starvation).
        const auto next = std::chrono::steady_clock::now() + options_.gate_period;
        lock.unlock();
        gate_check();
        lock.lock();
        state_changed_.wait_until(lock, next, [&] { return stopping_; });
    }
}

void WorkerPool::gate_check() {
    std::vector<pthread_t> to_join;
    {
        std::lock_guard lock(mutex_);
        if (stopping_ || options_.mode != Mode::elastic) return;
        const auto t = now();
        std::size_t retiring = 0;
        for (const Worker& w : workers_) retiring += (w.retire && !w.exited) ? 1 : 0;
        const std::size_t staying = live_ - retiring;

        // Starvation: work is waiting and no worker has taken any for starvation_delay (or, with the
        // queue_age signal, the oldest item has waited that long) → add ONE thread.
        const bool starved =
            !queue_.empty() &&
            (options_.starvation_signal == StarvationSignal::last_dequeue
                 ? t - last_dequeue_ >= options_.starvation_delay
                 : t - std::max(queue_.front().enqueued, last_injection_) >= options_.starvation_delay);
        if (starved && staying < options_.max_threads) {
            last_injection_ = t;
            if (spawn_locked(true, t)) {
                log(LogLevel::debug, "thread pool starved for {:.0f} ms with {} queued: now {} threads",
                    seconds(t - last_dequeue_) * 1000, queue_.size(), live_);
            }
        }

        // Retirement: idle past idle_timeout, down to min_threads.
        std::size_t may_retire = staying > options_.min_threads ? staying - options_.min_threads : 0;
        if (queue_.empty()) {
            for (Worker& w : workers_) {
                if (may_retire == 0) break;
                if (w.idle && !w.retire && !w.exited && t - w.idle_since >= options_.idle_timeout) {
                    w.retire = true;
                    --may_retire;
                }
            }
        }
        join_exited_locked(to_join);
        update_gauges_locked();
    }
    work_available_.notify_all();
    // Exited threads have returned from worker_loop; joining only reaps them.
    for (pthread_t h : to_join) pthread_join(h, nullptr);
}

void WorkerPool::join_exited_locked(std::vector<pthread_t>& out) {
    for (auto it = workers_.begin(); it != workers_.end();) {
        if (it->exited) {
            out.push_back(it->handle);
            it = workers_.erase(it);
        } else {
            ++it;
        }
    }
}

bool WorkerPool::shutdown(std::chrono::steady_clock::time_point deadline) {
    std::unique_lock lock(mutex_);
    if (joined_) return true;
    stopping_ = true;
    work_available_.notify_all();
    state_changed_.notify_all();
    if (has_gate_) {
        has_gate_ = false;
        lock.unlock();
        pthread_join(gate_, nullptr);
        lock.lock();
    }
    if (!state_changed_.wait_until(lock, deadline, [&] { return live_ == 0; })) return false;
    std::vector<pthread_t> to_join;
    join_exited_locked(to_join);
    joined_ = true;
    lock.unlock();
    for (pthread_t h : to_join) pthread_join(h, nullptr);
    return true;
}

void WorkerPool::update_gauges_locked() {
    if (!options_.metrics) return;
    options_.metrics->threads.Set(static_cast<double>(live_));
    options_.metrics->busy_threads.Set(static_cast<double>(busy_));
    options_.metrics->queue_length.Set(static_cast<double>(queue_.size()));
}

std::size_t WorkerPool::threads() const {
    std::lock_guard lock(mutex_);
    return live_;
}

std::size_t WorkerPool::busy() const {
    std::lock_guard lock(mutex_);
    return busy_;
}

std::size_t WorkerPool::queued() const {
    std::lock_guard lock(mutex_);
    return queue_.size();
}

std::uint64_t WorkerPool::completed() const {
    std::lock_guard lock(mutex_);
    return completed_;
}

}  // namespace slowio::sync
