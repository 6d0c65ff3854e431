#pragma once
/// \file The worker thread pool of server_sync: the threads that block on the slow store.
///
/// Fixed mode: exactly N threads for the life of the pool. Elastic mode emulates the .NET thread pool's
/// starvation heuristic (dotnet/runtime, src/libraries/System.Private.CoreLib/src/System/Threading/
/// PortableThreadPool.GateThread.cs and PortableThreadPool.WorkerThread.cs):
///  - a "gate" activity runs every 500 ms (GateThread.GateActivitiesPeriodMs = 500);
///  - if work is queued and nothing has been dequeued for at least 500 ms (SufficientDelaySinceLastDequeue:
///  at low
///    CPU utilization the threshold is GateActivitiesPeriodMs), it adds ONE thread, up to the maximum;
///  - a worker idle for 20 s retires (WorkerThread: ThreadPoolThreadTimeoutMs = 20 * 1000), down to the
///  minimum.
/// .NET additionally runs hill climbing on throughput; a pool whose threads all sleep on I/O gives hill
/// climbing nothing to climb, so starvation injection is the behaviour that matters here and the only one
/// emulated.
///
/// The clock is injectable and the gate can be driven by hand (gate_check()), so the heuristic is
/// unit-testable without waiting real seconds.

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

namespace slowio {
struct ThreadPoolMetrics;
}  // namespace slowio

namespace slowio::sync {

/// A FIFO work queue drained by worker threads, fixed or elastic (see the file comment).
class WorkerPool {
  public:
    /// Time source: steady_clock::now in production, a hand-advanced clock in tests.
    using Clock = std::function<std::chrono::steady_clock::time_point()>;
    /// One work item. Runs on a worker thread; exceptions are caught and logged.
    using Task = std::function<void()>;

    /// Fixed size, or .NET-style starvation injection.
    enum class Mode { fixed, elastic };

    /// What the gate reads as "starved".
    enum class StarvationSignal {
        /// .NET's rule: work is queued and no item was dequeued for starvation_delay. Faithful, but once the
        /// pool has about L / starvation_delay threads, completions (each followed by a dequeue) arrive more
        /// often
        /// than that and injection stalls although the queue never drains; .NET then relies on hill climbing.
        last_dequeue,
        /// The oldest queued item has waited starvation_delay: keeps injecting one thread per period for as
        /// long
        /// as the queue is not keeping up (the ~2 threads/s growth .NET shows in practice).
        queue_age,
    };

    /// Construction parameters.
    struct Options {
        Mode mode = Mode::fixed;
        std::size_t threads = 10;        ///< fixed mode: the thread count
        std::size_t min_threads = 2;     ///< elastic: threads at start and the floor of retirement
        std::size_t max_threads = 1000;  ///< elastic: the ceiling of injection
        std::size_t queue_limit = 0;     ///< queued (not running) items at most; 0 = unbounded (as Kestrel)
        std::chrono::milliseconds gate_period{500};  ///< how often the gate activity runs
        /// no dequeue for this long + queued work = starved
        std::chrono::milliseconds starvation_delay{500};
        std::chrono::milliseconds idle_timeout{20'000};  ///< an idle worker retires after this (elastic)
        /// elastic: see StarvationSignal
        StarvationSignal starvation_signal = StarvationSignal::last_dequeue;
        /// Stack per worker. 256 KiB: the deepest path (handler → SQLite query → JSON) uses a few tens of
        /// KiB, and 4096 threads × 8 MiB default stacks would reserve 32 GiB of address space for nothing
        /// (RSS only counts touched pages either way, but small stacks keep the VM map and mmap cost down).
        std::size_t stack_size = 256 * 1024;
        Clock clock;              ///< empty: std::chrono::steady_clock::now
        bool gate_thread = true;  ///< elastic: run gate_check() on a thread; false: the caller drives it
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

    /// One gate activity at clock() time: inject one thread if starved, ask idle-expired threads to retire,
    /// join retired threads. The gate thread calls it every gate_period; tests with a manual clock call it.
    void gate_check();

    /// Stops accepting work, lets workers finish every queued item, joins them. Returns false if `deadline`
    /// passed first (threads are then left running: the caller is expected to exit the process).
    bool shutdown(
        std::chrono::steady_clock::time_point deadline = std::chrono::steady_clock::time_point::max());

    /// Live worker threads (retiring ones count until they exit).
    std::size_t threads() const;
    /// Workers running an item.
    std::size_t busy() const;
    /// Items waiting for a worker.
    std::size_t queued() const;
    /// Items completed since start.
    std::uint64_t completed() const;

  private:
    struct Worker {
        pthread_t handle{};
        bool idle = true;
        bool retire = false;    ///< the gate asked this idle worker to exit
        bool exited = false;    ///< the thread function returned; handle awaits join
        bool injected = false;  ///< started by the gate (not at construction)
        std::chrono::steady_clock::time_point spawned_at{};
        std::chrono::steady_clock::time_point idle_since{};
    };
    struct Item {
        Task task;
        std::chrono::steady_clock::time_point enqueued;
    };
    struct StartArgs;

    bool spawn_locked(bool injected, std::chrono::steady_clock::time_point now);
    void worker_loop(Worker& self);
    void gate_loop();
    void update_gauges_locked();
    void join_exited_locked(std::vector<pthread_t>& out);
    static void* thread_entry(void* arg);
    std::chrono::steady_clock::time_point now() const;

    Options options_;
    mutable std::mutex mutex_;
    std::condition_variable work_available_;
    std::condition_variable state_changed_;  ///< a worker exited / the gate should stop
    std::deque<Item> queue_;
    std::list<Worker> workers_;  ///< stable addresses: each thread holds a reference to its entry
    std::size_t live_ = 0;
    std::size_t busy_ = 0;
    std::uint64_t completed_ = 0;
    std::chrono::steady_clock::time_point last_dequeue_;
    std::chrono::steady_clock::time_point last_injection_{};  ///< queue_age: at most one thread per period
    bool stopping_ = false;
    bool joined_ = false;
    bool has_gate_ = false;
    pthread_t gate_{};
};

}  // namespace slowio::sync
