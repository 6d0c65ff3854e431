#pragma once
/// \file The worker thread pool of server_sync: the threads that block on the slow store.
///
/// Fixed mode: exactly N threads for the life of the pool. Elastic mode follows the .NET thread pool
/// (dotnet/runtime, src/libraries/System.Private.CoreLib/src/System/Threading/PortableThreadPool.*.cs), read
/// rule by rule:
///  - a thread-count goal (NumThreadsGoal) starts at the minimum; a worker takes an item only while fewer
///  than
///    `goal` workers are running items, and threads are created up to the goal while work is queued;
///  - a gate activity every 500 ms (GateThread.GateActivitiesPeriodMs) with the starvation test of
///    SufficientDelaySinceLastDequeue: work is queued and `now - last_progress > threshold` (strictly
///    greater), where `last_progress` is refreshed by every completed work item and whenever a worker starts
///    dispatching (a new thread, or one woken from idle) — "no work item completed", not "nothing
///    dequeued"; the threshold is 500 ms while the process uses under 80% of its cores (CpuUtilizationLow)
///    and `goal × 1000 ms` above it (DequeueDelayThresholdMs). Starved → goal = running + 1, one thread;
///  - the .NET 6+ blocking adjustment (PortableThreadPool.Blocking.cs) for threads that block on a pool
///    item's completion (`.Result`): notify_blocked()/notify_unblocked() move the target to min + blocked;
///    the goal jumps to min + cores at once, then rises one thread per
///    `min((1 + (goal − (min + cores)) / cores) × 25 ms, 250 ms)`, and falls back by what it added once the
///    blocked threads are released; the starvation test is skipped while an adjustment is pending;
///  - hill climbing (HillClimbing.hpp) on completions, at most once per its sample interval, skipped while a
///    blocking adjustment is pending or more threads run than the goal; every other goal change is forced
///    into it (ForceChange);
///  - an idle worker retires after 20 s (ThreadPoolThreadTimeoutMs), down to the minimum.
/// Not modelled: the memory-load fallback of the blocking adjustment. The clock reads milliseconds of the
/// coarse monotonic clock, as Environment.TickCount does on Linux: the strict `>` meets a timestamp taken in
/// the same tick as the previous gate activity, which is why .NET often injects one thread per second rather
/// than per 500 ms.
///
/// The clock and the CPU reading are injectable and the gate can be driven by hand (gate_check()), so the
/// rules are unit-testable without waiting real seconds.

#include <pthread.h>

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <list>
#include <mutex>
#include <vector>

#include "server_sync/HillClimbing.hpp"
#include "server_sync/RequestQueue.hpp"

namespace slowio {
struct ThreadPoolMetrics;
}  // namespace slowio

namespace slowio::sync {

/// CPU cores this process may run on (sched_getaffinity), as .NET's Environment.ProcessorCount; at least 1.
std::size_t usable_cores();

/// A FIFO work queue drained by worker threads, fixed or elastic (see the file comment).
class WorkerPool {
  public:
    /// Time source: the coarse millisecond tick in production, a hand-advanced clock in tests.
    using Clock = std::function<std::chrono::steady_clock::time_point()>;
    /// Process CPU use since the previous call, in percent of the usable cores (0–100).
    using CpuUtilization = std::function<int()>;
    /// One work item. Runs on a worker thread; exceptions are caught and logged.
    using Task = std::function<void()>;
    /// A queued work item with what to do if the queue discipline never runs it (RequestQueue.hpp).
    using Item = RequestQueue::Item;

    /// Fixed size, or the .NET thread pool's injection rules.
    enum class Mode { fixed, elastic };

    /// Construction parameters.
    struct Options {
        Mode mode = Mode::fixed;
        std::size_t threads = 10;        ///< fixed mode: the thread count
        std::size_t min_threads = 2;     ///< elastic: initial goal and the floor of retirement
        std::size_t max_threads = 1000;  ///< elastic: the ceiling of injection
        std::size_t queue_limit = 0;     ///< queued (not running) items at most; 0 = unbounded (as Kestrel)
        RequestQueue::Options queue;     ///< --queue (the order items are taken, CoDel), --drop-abandoned
        std::chrono::milliseconds gate_period{500};      ///< GateActivitiesPeriodMs
        std::chrono::milliseconds idle_timeout{20'000};  ///< an idle worker retires after this (elastic)
        bool blocking_adjustment = true;  ///< elastic: react to notify_blocked() (.NET's CooperativeBlocking)
        bool hill_climbing = true;  ///< elastic: .NET's hill climbing (DOTNET_HillClimbing_Disable=1: off)
        std::uint32_t hill_climbing_seed = 0;  ///< its random sample intervals; 0 = random_device
        /// elastic: the blocking adjustment's cores (ThreadsToAddWithoutDelay, ThreadsPerDelayStep); 0 =
        /// usable_cores()
        std::size_t cores = 0;
        /// Stack per worker. 256 KiB: the deepest path (handler → SQLite query → JSON) uses a few tens of
        /// KiB, and 4096 threads × 8 MiB default stacks would reserve 32 GiB of address space for nothing
        /// (RSS only counts touched pages either way, but small stacks keep the VM map and mmap cost down).
        std::size_t stack_size = 256 * 1024;
        Clock clock;              ///< empty: the coarse millisecond tick
        CpuUtilization cpu;       ///< empty: getrusage(RUSAGE_SELF) over wall time × usable cores
        bool gate_thread = true;  ///< elastic: run the gate on a thread; false: the caller drives it
        ThreadPoolMetrics* metrics = nullptr;  ///< threadpool_* gauges/counters, optional
    };

    /// Starts the initial threads (fixed: `threads`; elastic: `min_threads`) and, if elastic, the gate
    /// thread. Throws std::runtime_error if not even one thread can be started.
    explicit WorkerPool(Options options);
    /// shutdown() with no deadline.
    ~WorkerPool();
    WorkerPool(const WorkerPool&) = delete;
    WorkerPool& operator=(const WorkerPool&) = delete;

    /// Queues `task`. False (task not queued) when the queue already holds queue_limit items or the pool is
    /// shutting down: the caller answers 503 at once rather than letting the request wait.
    bool try_submit(Task task);
    /// The same for a request: `item.discard` answers it if the queue sheds or drops it, on a worker thread.
    bool try_submit(Item item);

    /// Queues the completion of something a worker waits for (a timer's continuation): never refused, not
    /// even by the queue limit or a shutdown in progress, because a worker is blocked until it runs.
    void post_completion(Task task);

    /// Called by a worker of this pool before it blocks on another item's completion (.NET's
    /// NotifyThreadBlocked, from Task.Wait/.Result). False, and nothing counted, on any other thread.
    bool notify_blocked();
    /// The matching call once that wait is over (NotifyThreadUnblocked).
    void notify_unblocked();

    /// One gate wake-up at clock() time: the pending blocking adjustment, then — if a gate period has passed
    /// since the last one — the gate activity (CPU reading, starvation test, retirement). The gate thread
    /// calls it; tests with a manual clock call it.
    void gate_check();

    /// Every worker is blocked on a completion queued behind it and no thread can be added (fixed pool, or
    /// at max_threads): nothing will ever run again. The sync-over-async deadlock.
    bool deadlocked() const;

    /// Stops accepting work, lets workers finish every queued item, joins them. Returns false if `deadline`
    /// passed first (threads are then left running: the caller is expected to exit the process).
    bool shutdown(
        std::chrono::steady_clock::time_point deadline = std::chrono::steady_clock::time_point::max());

    /// Live worker threads (retiring ones count until they exit).
    std::size_t threads() const;
    /// Workers running an item (blocked ones included).
    std::size_t busy() const;
    /// Workers blocked in notify_blocked() .. notify_unblocked().
    std::size_t blocked() const;
    /// The thread-count goal (fixed: N).
    std::size_t goal() const;
    /// Items waiting for a worker.
    std::size_t queued() const;
    /// Items completed since start: run, or answered without running (shed, or dropped: --drop-abandoned).
    std::uint64_t completed() const;

  private:
    struct Worker {
        pthread_t handle{};
        bool idle = true;
        bool retire = false;  ///< the gate asked this idle worker to exit
        bool exited = false;  ///< the thread function returned; handle awaits join
        std::chrono::steady_clock::time_point idle_since{};
    };
    struct StartArgs;
    /// PortableThreadPool.PendingBlockingAdjustment.
    enum class PendingAdjustment { none, immediately, with_delay_if_necessary };

    bool spawn_locked(std::chrono::steady_clock::time_point now);
    void enqueue_locked(Item item);
    static void run_item(Item& item);
    static void discard_all(std::vector<std::pair<Item, RequestQueue::Discard>>& discarded);
    void add_threads_for_goal_locked(std::chrono::steady_clock::time_point now);
    std::size_t staying_locked() const;
    std::size_t blocking_target_locked() const;
    std::chrono::milliseconds perform_blocking_adjustment_locked(bool previous_delay_elapsed,
                                                                 std::chrono::steady_clock::time_point now);
    void blocking_step_locked(std::chrono::steady_clock::time_point now);
    void gate_activity_locked(std::chrono::steady_clock::time_point now, std::vector<pthread_t>& to_join);
    bool can_take_work_locked() const;
    void set_goal_locked(std::size_t goal);
    void count_completed_locked(std::size_t items, std::chrono::steady_clock::time_point t);
    void maybe_hill_climb_locked(std::chrono::steady_clock::time_point now);
    void worker_loop(Worker& self);
    void gate_loop();
    void wake_gate_locked();
    void update_gauges_locked();
    void join_exited_locked(std::vector<pthread_t>& out);
    /// Starts `worker`'s thread (nullptr: the gate's) on an Options::stack_size stack; pthread_create's
    /// error number, 0 when started.
    int start_thread(pthread_t& handle, Worker* worker);
    static void* thread_entry(void* arg);
    std::chrono::steady_clock::time_point now() const;

    Options options_;
    mutable std::mutex mutex_;
    std::condition_variable work_available_;
    /// A worker exited: shutdown() waits on it for live_ == 0, nothing else does (the gate waits on
    /// gate_wake_), so it is notified only where live_ drops.
    std::condition_variable state_changed_;
    std::condition_variable gate_wake_;  ///< a blocking adjustment is pending, or the pool is stopping
    RequestQueue queue_;
    std::list<Worker> workers_;  ///< stable addresses: each thread holds a reference to its entry
    std::size_t live_ = 0;
    std::size_t busy_ = 0;
    std::size_t goal_ = 0;
    std::size_t blocked_ = 0;
    std::size_t added_for_blocking_ = 0;  ///< _numThreadsAddedDueToBlocking
    PendingAdjustment pending_ = PendingAdjustment::none;
    std::chrono::milliseconds blocking_delay_{0};  ///< 0: no delay running
    std::chrono::steady_clock::time_point blocking_delay_start_{};
    std::chrono::steady_clock::time_point last_gate_activity_{};
    int cpu_ = 0;  ///< the last gate activity's CPU reading
    HillClimbing hill_climbing_;
    std::uint64_t prior_completions_ = 0;                   ///< completions at the last hill-climbing sample
    std::chrono::steady_clock::time_point prior_sample_{};  ///< _currentSampleStartTime
    std::chrono::steady_clock::time_point started_{};       ///< construction: the trace's t_ms origin
    std::chrono::milliseconds sample_interval_{0};
    std::uint64_t completed_ = 0;
    std::chrono::steady_clock::time_point last_progress_;  ///< .NET's lastDequeueTime
    bool stopping_ = false;
    bool joined_ = false;
    bool has_gate_ = false;
    pthread_t gate_{};
};

}  // namespace slowio::sync
