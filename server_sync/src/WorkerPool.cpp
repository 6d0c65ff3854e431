#include "server_sync/WorkerPool.hpp"

#include <sched.h>
#include <sys/resource.h>
#include <time.h>

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

using TimePoint = std::chrono::steady_clock::time_point;
using std::chrono::milliseconds;

// PortableThreadPool's constants (GateThread, Blocking.BlockingConfig).
constexpr int cpu_utilization_low = 80;  ///< CpuUtilizationLow, percent
constexpr milliseconds blocking_delay_step{25};
constexpr milliseconds blocking_max_delay{250};

/// The pool whose worker is the calling thread: notify_blocked() counts only its own workers, as .NET's
/// NotifyThreadBlocked only counts thread-pool threads.
thread_local const WorkerPool* current_pool = nullptr;

double seconds(std::chrono::steady_clock::duration d) {
    return std::chrono::duration<double>(d).count();
}

/// Environment.TickCount on Linux: milliseconds of CLOCK_MONOTONIC_COARSE (one kernel tick of resolution).
/// Same epoch as steady_clock (CLOCK_MONOTONIC), so real-time waits computed from it line up.
TimePoint coarse_tick() {
    timespec ts{};
    clock_gettime(CLOCK_MONOTONIC_COARSE, &ts);
    return TimePoint(milliseconds(std::int64_t{ts.tv_sec} * 1000 + ts.tv_nsec / 1'000'000));
}

std::chrono::nanoseconds process_cpu_time() {
    rusage usage{};
    getrusage(RUSAGE_SELF, &usage);
    auto tv = [](const timeval& t) {
        return std::chrono::seconds(t.tv_sec) + std::chrono::microseconds(t.tv_usec);
    };
    return tv(usage.ru_utime) + tv(usage.ru_stime);
}

/// CpuUtilizationReader: process CPU time over wall time since the previous reading, per usable core.
WorkerPool::CpuUtilization process_cpu_reader(std::size_t cores) {
    struct State {
        std::chrono::nanoseconds cpu = process_cpu_time();
        TimePoint wall = std::chrono::steady_clock::now();
    };
    return [state = std::make_shared<State>(), cores] {
        const auto cpu = process_cpu_time();
        const auto wall = std::chrono::steady_clock::now();
        const double busy = seconds(cpu - state->cpu);
        const double total = seconds(wall - state->wall) * static_cast<double>(cores);
        state->cpu = cpu;
        state->wall = wall;
        return total > 0 ? static_cast<int>(std::clamp(busy / total * 100.0, 0.0, 100.0)) : 0;
    };
}

}  // namespace

std::size_t usable_cores() {
    cpu_set_t set;
    CPU_ZERO(&set);
    if (sched_getaffinity(0, sizeof(set), &set) == 0) {
        const int n = CPU_COUNT(&set);
        if (n > 0) return static_cast<std::size_t>(n);
    }
    return 1;
}

/// What a new thread needs; heap-allocated because pthread_create takes one void*.
struct WorkerPool::StartArgs {
    WorkerPool* pool;
    Worker* worker;  ///< nullptr: the gate thread
};

WorkerPool::WorkerPool(Options options)
    : options_(std::move(options)),
      queue_(options_.queue),
      hill_climbing_(options_.hill_climbing_seed != 0 ? options_.hill_climbing_seed
                                                      : std::random_device{}()) {
    if (options_.cores == 0) options_.cores = usable_cores();
    if (!options_.cpu) options_.cpu = process_cpu_reader(options_.cores);
    if (options_.mode == Mode::elastic) {
        options_.min_threads = std::max<std::size_t>(1, options_.min_threads);
        options_.max_threads = std::max(options_.max_threads, options_.min_threads);
    }
    const std::size_t initial = options_.mode == Mode::fixed ? options_.threads : options_.min_threads;
    std::lock_guard lock(mutex_);
    goal_ = initial;
    last_progress_ = now();
    last_gate_activity_ = last_progress_;
    started_ = last_progress_;
    // PortableThreadPool._currentSampleStartTime starts at 0, Stopwatch's origin: the first sample, taken at
    // the first completion, spans from the clock's origin (the boot, for the coarse tick) and reads a
    // throughput of about 0. It is never analysed (the window skips sample 1), but it takes the place that
    // would otherwise fall to the first real items.
    prior_sample_ = TimePoint{};
    for (std::size_t i = 0; i < initial; ++i) {
        if (!spawn_locked(last_progress_)) break;
    }
    if (live_ == 0) throw std::runtime_error("could not start any worker thread");
    if (live_ < initial) log(LogLevel::warn, "started only {} of {} worker threads", live_, initial);
    if (options_.mode == Mode::elastic && options_.gate_thread) {
        if (const int rc = start_thread(gate_, nullptr); rc != 0) {
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

TimePoint WorkerPool::now() const {
    return options_.clock ? options_.clock() : coarse_tick();
}

int WorkerPool::start_thread(pthread_t& handle, Worker* worker) {
    // std::thread cannot choose its stack size; pthread attributes can (see Options::stack_size).
    pthread_attr_t attr;
    pthread_attr_init(&attr);
    pthread_attr_setstacksize(&attr, options_.stack_size * stack_factor);
    auto* args = new StartArgs{this, worker};
    const int rc = pthread_create(&handle, &attr, &WorkerPool::thread_entry, args);
    pthread_attr_destroy(&attr);
    if (rc != 0) delete args;  // the thread that would have freed it never started
    return rc;
}

void* WorkerPool::thread_entry(void* arg) {
    const StartArgs args = *static_cast<StartArgs*>(arg);
    delete static_cast<StartArgs*>(arg);
    if (args.worker) {
        current_pool = args.pool;
        args.pool->worker_loop(*args.worker);
    } else {
        args.pool->gate_loop();
    }
    return nullptr;
}

bool WorkerPool::spawn_locked(TimePoint at) {
    Worker& w = workers_.emplace_back();
    w.idle_since = at;
    if (const int rc = start_thread(w.handle, &w); rc != 0) {
        workers_.pop_back();
        log(LogLevel::warn, "could not start worker thread #{}: {}", live_ + 1, std::strerror(rc));
        return false;
    }
    ++live_;
    return true;
}

std::size_t WorkerPool::staying_locked() const {
    std::size_t retiring = 0;
    for (const Worker& w : workers_) retiring += (w.retire && !w.exited) ? 1 : 0;
    return live_ - retiring;
}

void WorkerPool::add_threads_for_goal_locked(TimePoint at) {
    // MaybeAddWorkingWorker: threads up to the goal, but only as many as there is work for; idle threads
    // count, they are released first.
    const std::size_t wanted = std::min(goal_, busy_ + queue_.size());
    std::size_t staying = staying_locked();
    while (staying < wanted && spawn_locked(at)) ++staying;
}

bool WorkerPool::can_take_work_locked() const {
    return !queue_.empty() && busy_ < goal_;
}

bool WorkerPool::try_submit(Task task) {
    Item item;
    item.task = std::move(task);
    return try_submit(std::move(item));
}

bool WorkerPool::try_submit(Item item) {
    {
        std::lock_guard lock(mutex_);
        if (stopping_) return false;
        if (options_.queue_limit != 0 && queue_.size() >= options_.queue_limit) return false;
        enqueue_locked(std::move(item));
    }
    work_available_.notify_one();
    return true;
}

void WorkerPool::post_completion(Task task) {
    {
        std::lock_guard lock(mutex_);
        Item item;
        item.task = std::move(task);  // no discard: a blocked worker waits for it, so it always runs
        enqueue_locked(std::move(item));
    }
    work_available_.notify_one();
}

void WorkerPool::enqueue_locked(Item item) {
    const auto t = now();
    queue_.push(std::move(item), t);
    // Queuing requests a worker (EnsureThreadRequested): below the goal, one is created if none is idle.
    if (options_.mode == Mode::elastic) add_threads_for_goal_locked(t);
    update_gauges_locked();
}

void WorkerPool::run_item(Item& item) {
    try {
        item.task();
    } catch (const std::exception& e) {
        log(LogLevel::error, "work item failed: {}", e.what());
    } catch (...) {
        log(LogLevel::error, "work item failed with a non-standard exception");
    }
    item.task = nullptr;  // release captured state (e.g. a connection) outside the lock
    item.discard = nullptr;
}

void WorkerPool::discard_all(std::vector<std::pair<Item, RequestQueue::Discard>>& discarded) {
    for (auto& [item, why] : discarded) {
        try {
            item.discard(why);
        } catch (const std::exception& e) {
            log(LogLevel::error, "discarding a work item failed: {}", e.what());
        }
    }
    discarded.clear();  // releases the items' captured state (connections) outside the lock
}

void WorkerPool::worker_loop(Worker& self) {
    bool dispatching = false;  // false: this thread starts dispatching with its next item (new or woken)
    std::vector<std::pair<Item, RequestQueue::Discard>> discarded;
    std::unique_lock lock(mutex_);
    for (;;) {
        if (!can_take_work_locked()) {
            dispatching = false;
            // Idle workers stay while a blocked worker waits for a completion still to be posted, or it would
            // never run during a drain.
            work_available_.wait(lock, [&] {
                return can_take_work_locked() || self.retire ||
                       (stopping_ && queue_.empty() && blocked_ == 0);
            });
        }
        if (!can_take_work_locked()) {  // stopping with nothing left, or retired by the gate
            self.exited = true;
            --live_;
            update_gauges_locked();
            state_changed_.notify_all();
            return;
        }
        self.retire = false;  // work arrived before the retirement took effect: keep working
        const auto t = now();
        std::optional<Item> next = queue_.pop(t, discarded);
        const auto answered = discarded.size();  // shed or dropped on the way: answered by this worker
        if (!next) {  // everything left was shed or dropped: answer those, then look again
            update_gauges_locked();
            lock.unlock();
            discard_all(discarded);
            lock.lock();
            count_completed_locked(answered, now());
            update_gauges_locked();
            continue;
        }
        Item item = std::move(*next);
        // WorkerThread.WorkerDoWork: a thread that starts dispatching refreshes lastDequeueTime; later items
        // of the same dispatch loop are covered by the refresh at each completion.
        if (!dispatching) last_progress_ = std::max(last_progress_, t);
        dispatching = true;
        self.idle = false;
        ++busy_;
        update_gauges_locked();
        if (options_.metrics) options_.metrics->queue_wait_seconds.Observe(seconds(t - item.enqueued));
        lock.unlock();
        discard_all(discarded);  // items shed or dropped on the way are answered first: at once, not after L
        run_item(item);
        lock.lock();
        --busy_;
        self.idle = true;
        self.idle_since = now();
        count_completed_locked(answered + 1, self.idle_since);
        update_gauges_locked();
        // A lowered goal may have kept idle workers from work this one now leaves.
        if (!queue_.empty()) work_available_.notify_one();
    }
}

void WorkerPool::count_completed_locked(std::size_t items, TimePoint t) {
    // An item answered without running (shed, or dropped because its client left) was still dequeued and
    // handled on a worker: it counts as a completion, as .NET counts every item a worker dequeues and runs,
    // however short.
    if (items == 0) return;
    completed_ += items;
    last_progress_ = std::max(last_progress_, t);  // NotifyWorkItemComplete
    if (log_enabled(LogLevel::debug)) {
        // As the ASP.NET Core target's --trace-threadpool-gate prints its completions (read each
        // millisecond), with the steady clock's microseconds too: the coarse tick cannot show a request
        // cycle's spread.
        const auto fine = std::chrono::steady_clock::now();
        log(LogLevel::debug, "threadpool-trace t_ms={} event=Completed Count={} Us={}",
            std::chrono::duration_cast<milliseconds>(t - started_).count(), completed_,
            std::chrono::duration_cast<std::chrono::microseconds>(fine - started_).count());
    }
    maybe_hill_climb_locked(t);
    if (options_.metrics) options_.metrics->completed_items.Increment(static_cast<double>(items));
}

void WorkerPool::set_goal_locked(std::size_t goal) {
    goal_ = goal;
    hill_climbing_.force_change(goal);
}

void WorkerPool::maybe_hill_climb_locked(TimePoint t) {
    // ShouldAdjustMaxWorkersActive / AdjustMaxWorkersActive. The completing worker still counts as running.
    if (options_.mode != Mode::elastic || !options_.hill_climbing) return;
    if (t - prior_sample_ < sample_interval_ || busy_ + 1 > goal_ || pending_ != PendingAdjustment::none)
        return;
    const double elapsed = seconds(t - prior_sample_);
    const auto completions = static_cast<std::int64_t>(completed_ - prior_completions_);
    const auto d =
        hill_climbing_.update(goal_, elapsed, completions, cpu_, options_.min_threads, options_.max_threads);
    if (d.accepted && log_enabled(LogLevel::debug)) {
        // The runtime's ThreadPoolWorkerThreadAdjustmentStats fields, in its trace's format (the ASP.NET Core
        // target's --trace-threadpool), so the two traces compare line for line; t_ms from the pool's start.
        log(LogLevel::debug,
            "threadpool-trace t_ms={} event=AdjustmentStats Duration={} Throughput={} "
            "ThroughputErrorEstimate={} AverageThroughputErrorEstimate={} ThroughputRatio={} Confidence={} "
            "NewControlSetting={} NewThreadWaveMagnitude={} Goal={} NewGoal={}",
            std::chrono::duration_cast<milliseconds>(t - started_).count(), d.stats.duration,
            d.stats.throughput, d.stats.throughput_noise, d.stats.average_noise, d.stats.ratio,
            d.stats.confidence, d.stats.control, d.stats.magnitude, goal_, d.goal);
    }
    if (d.goal != goal_) {
        const bool up = d.goal > goal_;
        goal_ = d.goal;
        if (up) add_threads_for_goal_locked(t);
    }
    sample_interval_ = milliseconds(d.sample_ms);
    prior_completions_ = completed_;
    prior_sample_ = t;
}

bool WorkerPool::notify_blocked() {
    if (current_pool != this) return false;
    std::lock_guard lock(mutex_);
    ++blocked_;
    if (options_.mode == Mode::elastic && options_.blocking_adjustment &&
        pending_ != PendingAdjustment::with_delay_if_necessary && goal_ < blocking_target_locked()) {
        if (pending_ == PendingAdjustment::none) wake_gate_locked();
        pending_ = PendingAdjustment::with_delay_if_necessary;
    }
    return true;
}

void WorkerPool::notify_unblocked() {
    std::lock_guard lock(mutex_);
    if (blocked_ > 0) --blocked_;
    if (options_.mode == Mode::elastic && options_.blocking_adjustment &&
        pending_ != PendingAdjustment::immediately && added_for_blocking_ > 0 &&
        goal_ > blocking_target_locked()) {
        pending_ = PendingAdjustment::immediately;
        wake_gate_locked();
    }
    // A drain waits for blocked workers: the idle ones may leave once the last is released.
    if (stopping_ && blocked_ == 0) work_available_.notify_all();
}

void WorkerPool::wake_gate_locked() {
    gate_wake_.notify_all();
}

std::size_t WorkerPool::blocking_target_locked() const {
    // TargetThreadsGoalForBlockingAdjustment
    return blocked_ == 0 ? options_.min_threads
                         : std::min(options_.min_threads + blocked_, options_.max_threads);
}

std::chrono::milliseconds WorkerPool::perform_blocking_adjustment_locked(bool previous_delay_elapsed,
                                                                         TimePoint t) {
    pending_ = PendingAdjustment::none;
    const std::size_t target = blocking_target_locked();
    if (goal_ == target) return milliseconds(0);
    if (goal_ > target) {
        // Only what blocking added is taken back: starvation may have raised the goal for its own reasons.
        const std::size_t take = std::min(goal_ - target, added_for_blocking_);
        added_for_blocking_ -= take;
        set_goal_locked(goal_ - take);
        return milliseconds(0);
    }
    const std::size_t without_delay = std::min(options_.min_threads + options_.cores, options_.max_threads);
    // Threads that already exist are released without a delay; only creating one may wait.
    const std::size_t goal_without_delay = std::max(without_delay, std::min(live_, options_.max_threads));
    const std::size_t target_without_delay = std::min(target, goal_without_delay);
    std::size_t new_goal = 0;
    if (goal_ < target_without_delay) {
        new_goal = target_without_delay;
    } else if (previous_delay_elapsed) {
        new_goal = goal_ + 1;
    }
    if (new_goal != 0) {
        added_for_blocking_ += new_goal - goal_;
        log(LogLevel::debug, "thread pool blocking adjustment: goal {} -> {} ({} blocked)", goal_, new_goal,
            blocked_);
        set_goal_locked(new_goal);
        add_threads_for_goal_locked(t);
        if (goal_ >= target) return milliseconds(0);
    }
    pending_ = PendingAdjustment::with_delay_if_necessary;
    const auto steps = 1 + (static_cast<std::int64_t>(goal_) - static_cast<std::int64_t>(without_delay)) /
                               static_cast<std::int64_t>(options_.cores);
    return std::min<milliseconds>(blocking_delay_step * steps, blocking_max_delay);
}

void WorkerPool::blocking_step_locked(TimePoint t) {
    if (pending_ == PendingAdjustment::none) {
        blocking_delay_ = milliseconds(0);
        return;
    }
    bool elapsed = false;
    if (blocking_delay_.count() > 0) {
        elapsed = t - blocking_delay_start_ >= blocking_delay_;
        if (pending_ == PendingAdjustment::with_delay_if_necessary && !elapsed) return;
    }
    const auto next = perform_blocking_adjustment_locked(elapsed, t);
    blocking_delay_ = next;
    blocking_delay_start_ = t;
}

void WorkerPool::gate_activity_locked(TimePoint t, std::vector<pthread_t>& to_join) {
    last_gate_activity_ = t;
    const int cpu = options_.cpu();
    cpu_ = cpu;
    // SufficientDelaySinceLastDequeue: strictly greater; a busy CPU stretches the threshold to goal seconds.
    const auto threshold = cpu < cpu_utilization_low
                               ? std::chrono::duration_cast<milliseconds>(options_.gate_period)
                               : 2 * options_.gate_period * static_cast<int>(goal_);
    const bool starved = pending_ == PendingAdjustment::none && !queue_.empty() &&
                         t - last_progress_ > threshold && busy_ < options_.max_threads && busy_ >= goal_;
    if (log_enabled(LogLevel::debug)) {
        // What the ASP.NET Core target's --trace-threadpool-gate reads from .NET's pool at each gate wake-up,
        // on the same clock (both ticks are CLOCK_MONOTONIC_COARSE's milliseconds), so the two gates' views
        // compare.
        const auto tick = [](TimePoint p) {
            return std::chrono::duration_cast<milliseconds>(p.time_since_epoch()).count();
        };
        log(LogLevel::debug,
            "threadpool-trace t_ms={} event=GateActivity Tick={} LastDequeueTick={} Queued={} Busy={} "
            "Goal={} Starved={}",
            std::chrono::duration_cast<milliseconds>(t - started_).count(), tick(t), tick(last_progress_),
            queue_.size(), busy_, goal_, starved ? 1 : 0);
    }
    if (starved) {
        set_goal_locked(busy_ + 1);
        add_threads_for_goal_locked(t);
        log(LogLevel::debug,
            "thread pool starved: no work item completed for {:.0f} ms with {} queued (cpu {}%): "
            "goal {}, {} threads",
            seconds(t - last_progress_) * 1000, queue_.size(), cpu, goal_, live_);
    }

    // Retirement: idle past idle_timeout, down to min_threads. The goal follows the threads down, not below
    // what blocking needs (MinThreadsGoal).
    std::size_t staying = staying_locked();
    std::size_t may_retire = staying > options_.min_threads ? staying - options_.min_threads : 0;
    if (queue_.empty() && may_retire > 0) {
        for (Worker& w : workers_) {
            if (may_retire == 0) break;
            if (w.idle && !w.retire && !w.exited && t - w.idle_since >= options_.idle_timeout) {
                w.retire = true;
                --may_retire;
                --staying;
            }
        }
        set_goal_locked(std::max(std::min(goal_, blocking_target_locked()), std::min(staying, goal_)));
    }
    join_exited_locked(to_join);
}

void WorkerPool::gate_check() {
    std::vector<pthread_t> to_join;
    {
        std::lock_guard lock(mutex_);
        if (stopping_ || options_.mode != Mode::elastic) return;
        const auto t = now();
        blocking_step_locked(t);
        if (t - last_gate_activity_ >= options_.gate_period) gate_activity_locked(t, to_join);
        update_gauges_locked();
    }
    work_available_.notify_all();
    // Exited threads have returned from worker_loop; joining only reaps them.
    for (pthread_t h : to_join) pthread_join(h, nullptr);
}

void WorkerPool::gate_loop() {
    std::unique_lock lock(mutex_);
    while (!stopping_) {
        // Sleep until the next gate activity or the end of the blocking delay, whichever is first; a pending
        // adjustment wakes it early (GateThread.Wake).
        const auto t = now();
        auto due = last_gate_activity_ + options_.gate_period;
        const bool blocking_due_first =
            blocking_delay_.count() > 0 && blocking_delay_start_ + blocking_delay_ < due;
        if (blocking_due_first) due = blocking_delay_start_ + blocking_delay_;
        const auto wait = std::max<std::chrono::steady_clock::duration>(due - t, milliseconds(1));
        const bool signalled = gate_wake_.wait_for(lock, wait, [&] {
            return stopping_ || pending_ == PendingAdjustment::immediately ||
                   (pending_ != PendingAdjustment::none && blocking_delay_.count() == 0);
        });
        if (stopping_) break;
        std::vector<pthread_t> to_join;
        const auto woke = now();
        blocking_step_locked(woke);
        // The coarse tick may read a few ms short of the period after a full real-time wait; a timeout that
        // was the gate's turn runs the activity anyway (DelayHelper._runGateActivitiesAfterNextDelay).
        if ((!signalled && !blocking_due_first) || woke - last_gate_activity_ >= options_.gate_period)
            gate_activity_locked(woke, to_join);
        update_gauges_locked();
        lock.unlock();
        work_available_.notify_all();
        for (pthread_t h : to_join) pthread_join(h, nullptr);
        lock.lock();
    }
}

bool WorkerPool::deadlocked() const {
    std::lock_guard lock(mutex_);
    // With every worker blocked nothing can ever be dequeued again, so the completions they wait for (queued
    // now or posted later) never run — unless the pool may still add a thread.
    const bool can_grow = options_.mode == Mode::elastic && live_ < options_.max_threads;
    return blocked_ > 0 && blocked_ >= staying_locked() && !can_grow;
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

bool WorkerPool::shutdown(TimePoint deadline) {
    std::unique_lock lock(mutex_);
    if (joined_) return true;
    stopping_ = true;
    work_available_.notify_all();
    gate_wake_.notify_all();
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

std::size_t WorkerPool::blocked() const {
    std::lock_guard lock(mutex_);
    return blocked_;
}

std::size_t WorkerPool::goal() const {
    std::lock_guard lock(mutex_);
    return goal_;
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
