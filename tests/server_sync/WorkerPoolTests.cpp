// WorkerPool: fixed mode, queue limit, and the elastic mode's .NET rules (starvation gate, CPU threshold,
// blocking adjustment, retirement) with an injected clock and CPU reading.
#include <sched.h>

#include <atomic>
#include <catch2/catch.hpp>
#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "Conditions.hpp"
#include "core/Metrics.hpp"
#include "server_sync/HillClimbing.hpp"
#include "server_sync/WorkerPool.hpp"

using namespace std::chrono_literals;
using slowio::sync::WorkerPool;
using slowio::test::eventually;  // polls in real time: threads start and stop asynchronously

namespace {

/// A hand-advanced clock shared with the pool.
struct ManualClock {
    std::mutex mutex;
    std::chrono::steady_clock::time_point now =
        std::chrono::steady_clock::time_point{} + std::chrono::hours(1);
    WorkerPool::Clock fn() {
        return [this] {
            std::lock_guard lock(mutex);
            return now;
        };
    }
    void advance(std::chrono::milliseconds d) {
        std::lock_guard lock(mutex);
        now += d;
    }
};

/// Work items that block until released (the store call, under the test's control).
struct Gate {
    std::mutex mutex;
    std::condition_variable cv;
    bool open = false;
    void wait() {
        std::unique_lock lock(mutex);
        cv.wait(lock, [&] { return open; });
    }
    void release() {
        {
            std::lock_guard lock(mutex);
            open = true;
        }
        cv.notify_all();
    }
};

WorkerPool::Options elastic(ManualClock& clock, std::size_t min, std::size_t max) {
    WorkerPool::Options o;
    o.mode = WorkerPool::Mode::elastic;
    o.min_threads = min;
    o.max_threads = max;
    o.clock = clock.fn();
    o.cpu = [] { return 0; };  // below .NET's 80%: the 500 ms threshold
    o.cores = 2;
    o.hill_climbing = false;  // its random sample intervals would move the goal; tested on its own below
    o.gate_thread = false;    // the test drives gate_check()
    return o;
}

}  // namespace

TEST_CASE("fixed pool runs every item on its N threads", "[workerpool]") {
    slowio::Metrics metrics;
    WorkerPool::Options o;
    o.threads = 3;
    o.metrics = &metrics.enable_threadpool();
    WorkerPool pool(o);
    CHECK(pool.threads() == 3);
    std::atomic<int> done{0};
    for (int i = 0; i < 50; ++i) REQUIRE(pool.try_submit([&] { ++done; }));
    REQUIRE(eventually([&] { return pool.completed() == 50; }));
    CHECK(done == 50);
    CHECK(pool.threads() == 3);
    CHECK(metrics.enable_threadpool().completed_items.Value() == 50);
    CHECK(metrics.enable_threadpool().threads.Value() == 3);
    pool.gate_check();  // no effect in fixed mode
    CHECK(pool.threads() == 3);
}

TEST_CASE("an item dropped because its client left counts as a completed item", "[workerpool][queue]") {
    // .NET's items of a connection whose client left complete at once and count for hill climbing; ours are
    // answered in the queue's pop instead of run, and must count the same (issue 29).
    slowio::Metrics metrics;
    Gate gate;
    WorkerPool::Options o;
    o.threads = 1;
    o.queue.drop_abandoned = true;
    o.metrics = &metrics.enable_threadpool();
    WorkerPool pool(o);
    std::atomic<int> ran{0}, dropped{0};
    const auto left = std::make_shared<std::atomic<bool>>(true);
    auto request = [&](bool client_left) {
        WorkerPool::Item item;
        item.task = [&] { ++ran; };
        item.discard = [&](slowio::sync::RequestQueue::Discard why) {
            if (why == slowio::sync::RequestQueue::Discard::dropped) ++dropped;
        };
        if (client_left) item.abandoned = left;
        return item;
    };
    REQUIRE(pool.try_submit([&] { gate.wait(); }));
    REQUIRE(eventually([&] { return pool.busy() == 1; }));
    int expected_ran = 0;
    SECTION("dropped on the way to a request that runs") {
        for (bool client_left : {true, true, false}) REQUIRE(pool.try_submit(request(client_left)));
        expected_ran = 1;
    }
    SECTION("dropped with nothing left to run") {
        for (bool client_left : {true, true}) REQUIRE(pool.try_submit(request(client_left)));
    }
    gate.release();
    const auto total = 1 + 2 + static_cast<std::uint64_t>(expected_ran);
    REQUIRE(eventually([&] { return pool.completed() == total && pool.queued() == 0; }));
    CHECK(ran == expected_ran);
    CHECK(dropped == 2);
    CHECK(metrics.enable_threadpool().completed_items.Value() == static_cast<double>(total));
}

TEST_CASE("queue limit refuses work beyond the limit, accepted work still runs", "[workerpool]") {
    Gate gate;
    WorkerPool::Options o;
    o.threads = 1;
    o.queue_limit = 2;
    WorkerPool pool(o);
    std::atomic<int> done{0};
    auto blocking = [&] {
        gate.wait();
        ++done;
    };
    REQUIRE(pool.try_submit(blocking));
    REQUIRE(eventually([&] { return pool.busy() == 1; }));
    CHECK(pool.try_submit(blocking));
    CHECK(pool.try_submit(blocking));
    CHECK(pool.queued() == 2);
    CHECK_FALSE(pool.try_submit(blocking));
    gate.release();
    REQUIRE(eventually([&] { return pool.completed() == 3; }));
    CHECK(done == 3);
}

TEST_CASE("shutdown finishes queued items, then refuses new ones", "[workerpool]") {
    WorkerPool::Options o;
    o.threads = 2;
    WorkerPool pool(o);
    std::atomic<int> done{0};
    for (int i = 0; i < 10; ++i) {
        REQUIRE(pool.try_submit([&] {
            std::this_thread::sleep_for(5ms);
            ++done;
        }));
    }
    CHECK(pool.shutdown());
    CHECK(done == 10);
    CHECK(pool.threads() == 0);
    CHECK_FALSE(pool.try_submit([] {}));
}

TEST_CASE("elastic: a thread per second when each new thread starts dispatching at the gate's instant",
          "[workerpool][elastic]") {
    ManualClock clock;
    Gate gate;
    slowio::Metrics metrics;
    auto o = elastic(clock, 1, 4);
    o.metrics = &metrics.enable_threadpool();
    WorkerPool pool(o);
    REQUIRE(pool.threads() == 1);
    for (int i = 0; i < 10; ++i) REQUIRE(pool.try_submit([&] { gate.wait(); }));
    REQUIRE(eventually([&] { return pool.busy() == 1; }));

    for (std::size_t expected = 2; expected <= 4; ++expected) {
        // The last thread started dispatching "now" (at the previous activity): one period later is not yet
        // MORE than 500 ms without progress (.NET's strict >), and the gate only looks again a period later.
        clock.advance(500ms);
        pool.gate_check();
        CHECK(pool.threads() == expected - 1);
        clock.advance(1ms);
        pool.gate_check();  // not a gate period since the last activity: nothing happens
        CHECK(pool.threads() == expected - 1);
        clock.advance(499ms);
        pool.gate_check();
        CHECK(pool.threads() == expected);
        CHECK(pool.goal() == expected);
        REQUIRE(eventually([&] { return pool.busy() == expected; }));
        pool.gate_check();  // the same instant again: one thread per period
        CHECK(pool.threads() == expected);
    }
    clock.advance(1000ms);
    pool.gate_check();
    CHECK(pool.threads() == 4);  // max reached
    CHECK(metrics.enable_threadpool().threads.Value() == 4);
    CHECK(metrics.enable_threadpool().queue_length.Value() == 6);
    gate.release();
    REQUIRE(eventually([&] { return pool.completed() == 10; }));
}

TEST_CASE("elastic: the starvation test is strictly more than 500 ms since a work item completed",
          "[workerpool][elastic]") {
    ManualClock clock;
    Gate gate;
    WorkerPool pool(elastic(clock, 1, 8));
    // Queue empty: nothing to inject for, however long.
    clock.advance(10s);
    pool.gate_check();
    CHECK(pool.threads() == 1);

    std::atomic<int> quick_done{0};
    REQUIRE(pool.try_submit([&] { ++quick_done; }));  // completes "now": progress
    REQUIRE(eventually([&] { return quick_done == 1 && pool.busy() == 0; }));
    REQUIRE(pool.try_submit([&] { gate.wait(); }));
    REQUIRE(eventually([&] { return pool.busy() == 1; }));
    REQUIRE(pool.try_submit([&] { gate.wait(); }));  // queued behind the blocked one
    clock.advance(500ms);
    pool.gate_check();
    CHECK(pool.threads() == 1);  // exactly 500 ms: not starved
    clock.advance(500ms);
    pool.gate_check();
    CHECK(pool.threads() == 2);  // 1000 ms > 500 ms
    gate.release();
    REQUIRE(eventually([&] { return pool.completed() == 3 && pool.queued() == 0; }));
    clock.advance(500ms);
    pool.gate_check();
    CHECK(pool.threads() == 2);
}

TEST_CASE("elastic: at 80% CPU or more the threshold is goal x 1000 ms", "[workerpool][elastic]") {
    ManualClock clock;
    Gate gate;
    std::atomic<int> cpu{80};
    auto o = elastic(clock, 2, 8);
    o.cpu = [&] { return cpu.load(); };
    WorkerPool pool(o);
    for (int i = 0; i < 6; ++i) REQUIRE(pool.try_submit([&] { gate.wait(); }));
    REQUIRE(eventually([&] { return pool.busy() == 2; }));
    // Goal 2: starved only after more than 2 s without progress.
    for (int i = 0; i < 4; ++i) {
        clock.advance(500ms);
        pool.gate_check();
    }
    CHECK(pool.threads() == 2);  // exactly 2000 ms
    clock.advance(500ms);
    pool.gate_check();
    CHECK(pool.threads() == 3);
    REQUIRE(eventually([&] { return pool.busy() == 3; }));
    // Below 80% again: back to the 500 ms threshold.
    cpu = 79;
    clock.advance(500ms);
    pool.gate_check();
    CHECK(pool.threads() == 3);  // the new thread started dispatching 500 ms ago
    clock.advance(500ms);
    pool.gate_check();
    CHECK(pool.threads() == 4);
    gate.release();
    REQUIRE(eventually([&] { return pool.completed() == 6; }));
}

namespace {
/// Items that each block on a completion posted to the same pool (sync-over-async), released by the test.
/// Declare it after the pool: its destructor joins the posting threads, which still touch the pool after the
/// completion they posted has run.
struct BlockedOnPool {
    WorkerPool& pool;
    Gate release;
    std::atomic<int> done{0};
    std::mutex mutex;
    std::vector<std::thread> posters;
    ~BlockedOnPool() {
        release.release();
        std::lock_guard lock(mutex);
        for (auto& t : posters) t.join();
    }
    WorkerPool::Task item() {
        return [this] {
            auto finished = std::make_shared<Gate>();
            {
                std::lock_guard lock(mutex);
                posters.emplace_back([this, finished] {
                    release.wait();
                    pool.post_completion([finished] { finished->release(); });
                });
            }
            const bool counted = pool.notify_blocked();
            finished->wait();
            if (counted) pool.notify_unblocked();
            ++done;
        };
    }
};
}  // namespace

TEST_CASE("elastic: the blocking adjustment jumps to min + cores, then adds threads after 25..250 ms delays",
          "[workerpool][elastic][blocking]") {
    ManualClock clock;
    auto o = elastic(clock, 2, 100);  // cores = 2
    WorkerPool pool(o);
    BlockedOnPool blocked{pool, {}, {}, {}, {}};
    for (int i = 0; i < 40; ++i) REQUIRE(pool.try_submit(blocked.item()));
    REQUIRE(eventually([&] { return pool.blocked() == 2; }));
    CHECK_FALSE(pool.notify_blocked());  // not a worker of this pool: not counted

    // Target min + blocked = 4: reached at once (min + cores), no delay.
    pool.gate_check();
    CHECK(pool.goal() == 4);
    REQUIRE(eventually([&] { return pool.blocked() == 4 && pool.threads() == 4; }));
    // Beyond min + cores each thread waits (1 + (goal - 4) / 2) x 25 ms.
    const std::size_t expected_delay_ms[] = {25, 25, 50, 50, 75, 75, 100};
    for (const std::size_t delay : expected_delay_ms) {
        const std::size_t goal = pool.goal();
        pool.gate_check();  // the pending adjustment starts the delay
        clock.advance(std::chrono::milliseconds(delay - 1));
        pool.gate_check();
        CHECK(pool.goal() == goal);
        clock.advance(1ms);
        pool.gate_check();
        CHECK(pool.goal() == goal + 1);
        REQUIRE(eventually([&] { return pool.blocked() == goal + 1; }));
    }
    // Capped at 250 ms per thread.
    while (pool.goal() < 4 + 2 * 9) {
        const std::size_t goal = pool.goal();
        pool.gate_check();
        clock.advance(250ms);
        pool.gate_check();
        REQUIRE(pool.goal() == goal + 1);
        REQUIRE(eventually([&] { return pool.blocked() == goal + 1; }));
    }
    const std::size_t goal = pool.goal();
    pool.gate_check();
    clock.advance(249ms);
    pool.gate_check();
    CHECK(pool.goal() == goal);
    clock.advance(1ms);
    pool.gate_check();
    CHECK(pool.goal() == goal + 1);
    REQUIRE(eventually([&] { return pool.blocked() == goal + 1; }));

    // Released: the completions queue behind the requests still waiting, so the adjustment keeps adding
    // threads until they run; then the goal falls back by what blocking added, to min.
    blocked.release.release();
    REQUIRE(eventually([&] {
        clock.advance(250ms);
        pool.gate_check();
        return blocked.done == 40 && pool.goal() == 2;
    }));
    CHECK(pool.blocked() == 0);
}

TEST_CASE("deadlocked(): every worker blocked and no thread can be added", "[workerpool][blocking]") {
    // The workers block on a gate the test opens (not on pool completions), so the pool can be joined after.
    Gate gate;
    auto blocking = [](WorkerPool& pool, Gate& g) {
        return [&pool, &g] {
            const bool counted = pool.notify_blocked();
            g.wait();
            if (counted) pool.notify_unblocked();
        };
    };
    SECTION("fixed pool: deadlocked once all N are blocked") {
        WorkerPool::Options o;
        o.threads = 3;
        WorkerPool pool(o);
        for (int i = 0; i < 2; ++i) REQUIRE(pool.try_submit(blocking(pool, gate)));
        REQUIRE(eventually([&] { return pool.blocked() == 2; }));
        CHECK_FALSE(pool.deadlocked());  // one worker is free to run the completions
        REQUIRE(pool.try_submit(blocking(pool, gate)));
        REQUIRE(eventually([&] { return pool.blocked() == 3; }));
        CHECK(pool.deadlocked());
        gate.release();
        REQUIRE(eventually([&] { return pool.completed() == 3; }));
        CHECK_FALSE(pool.deadlocked());
    }
    // Two elastic workers both blocked: deadlocked only when the maximum keeps the pool from adding a thread.
    auto two_blocked_deadlocked = [&](std::size_t max_threads) {
        ManualClock clock;
        WorkerPool pool(elastic(clock, 2, max_threads));
        for (int i = 0; i < 2; ++i) REQUIRE(pool.try_submit(blocking(pool, gate)));
        REQUIRE(eventually([&] { return pool.blocked() == 2; }));
        const bool deadlocked = pool.deadlocked();
        gate.release();
        REQUIRE(eventually([&] { return pool.completed() == 2; }));
        return deadlocked;
    };
    SECTION("elastic pool below its maximum: not deadlocked, it can still add a thread") {
        CHECK_FALSE(two_blocked_deadlocked(8));
    }
    SECTION("elastic pool at its maximum: deadlocked") {
        CHECK(two_blocked_deadlocked(2));
    }
}

TEST_CASE("usable_cores() counts the affinity mask", "[workerpool]") {
    cpu_set_t set;
    CPU_ZERO(&set);
    REQUIRE(sched_getaffinity(0, sizeof(set), &set) == 0);
    CHECK(slowio::sync::usable_cores() == static_cast<std::size_t>(CPU_COUNT(&set)));
    CHECK(slowio::sync::usable_cores() >= 1);
}

TEST_CASE("elastic: the gate thread injects in real time, by starvation and by the blocking adjustment",
          "[workerpool][elastic]") {
    SECTION("starvation: at most one thread per 500 ms period") {
        Gate gate;
        WorkerPool::Options o;
        o.mode = WorkerPool::Mode::elastic;
        o.min_threads = 1;
        o.max_threads = 50;
        WorkerPool pool(o);
        const auto start = std::chrono::steady_clock::now();
        for (int i = 0; i < 50; ++i) REQUIRE(pool.try_submit([&] { gate.wait(); }));
        // Waits on the condition (a sanitizer build beside another test is slow), then checks the bound.
        REQUIRE(eventually([&] { return pool.threads() >= 3; }, 10'000ms));
        const double elapsed =
            std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
        INFO("3 threads after " << elapsed << " s");
        CHECK(elapsed >= 0.9);  // two gate periods of 500 ms (less a coarse tick) before the second injection
        gate.release();
        REQUIRE(eventually([&] { return pool.completed() == 50; }, 10'000ms));
    }
    SECTION("blocking adjustment: min + cores at once, then more after short delays") {
        WorkerPool::Options o;
        o.mode = WorkerPool::Mode::elastic;
        o.min_threads = 1;
        o.max_threads = 50;
        o.cores = 2;
        WorkerPool pool(o);
        BlockedOnPool blocked{pool, {}, {}, {}, {}};
        for (int i = 0; i < 12; ++i) REQUIRE(pool.try_submit(blocked.item()));
        // 1 + 2 without delay, then 25 ms, 25 ms, 50 ms, ...: 8 threads well inside a 500 ms gate period on
        // an idle box; the deadline is for a loaded one.
        REQUIRE(eventually([&] { return pool.blocked() >= 8; }, 10'000ms));
        blocked.release.release();
        REQUIRE(eventually([&] { return blocked.done == 12; }, 10'000ms));
    }
}

TEST_CASE("hill climbing: the square wave, the 15% sample-error rule, climbing only when threads pay",
          "[workerpool][hillclimbing]") {
    using slowio::sync::HillClimbing;
    SECTION("the wave: +1 thread on every other pair of samples") {
        HillClimbing h(42);
        std::vector<std::size_t> goals;
        std::size_t goal = 5;
        for (int i = 0; i < 6; ++i) {
            goal = h.update(goal, 1.0, 100, 0, 2, 100).goal;
            goals.push_back(goal);
        }
        // Samples 1..6: square wave index (n / 2) % 2 = 0, 1, 1, 0, 0, 1 on a control setting of 5 (no
        // analysis before 8 samples, so no move).
        CHECK(goals == std::vector<std::size_t>{5, 6, 6, 5, 5, 6});
    }
    SECTION("too few completions for the thread count: accumulate, ask again in 10 ms") {
        HillClimbing h(42);
        CHECK(h.update(6, 1.0, 100, 0, 2, 100).goal == 6);  // the first sample is always taken
        const auto d = h.update(6, 1.0, 5, 0, 2, 100);      // (6 - 1) / 5 = 100% error
        CHECK(d.goal == 6);
        CHECK(d.sample_ms == 10);
        CHECK(h.update(6, 1.0, 30, 0, 2, 100).goal == 6 + 1);  // 35 accumulated: 14% < 15%, sample 2
    }
    SECTION("throughput proportional to threads: climbs; flat throughput: does not") {
        auto run = [](bool threads_help) {
            HillClimbing h(7);
            std::size_t goal = 5;
            for (int i = 0; i < 40; ++i) {
                const double throughput = threads_help ? 10.0 * static_cast<double>(goal) : 50.0;
                goal = h.update(goal, 1.0, static_cast<std::int64_t>(throughput), 0, 2, 1000).goal;
            }
            return goal;
        };
        CHECK(run(true) > 5 + 10);
        CHECK(run(false) <= 5 + 1);
    }
    SECTION("no positive move above 95% CPU") {
        HillClimbing h(7);
        std::size_t goal = 5;
        for (int i = 0; i < 40; ++i)
            goal = h.update(goal, 1.0, static_cast<std::int64_t>(10 * goal), 96, 2, 1000).goal;
        CHECK(goal <= 5 + 1);
    }
}

TEST_CASE("elastic: the starvation gate adds threads under every queue discipline, and every item runs",
          "[workerpool][elastic][queue]") {
    using slowio::sync::QueueDiscipline;
    for (auto d : {QueueDiscipline::fifo, QueueDiscipline::lifo, QueueDiscipline::adaptive_lifo,
                   QueueDiscipline::codel}) {
        INFO(to_string(d));
        ManualClock clock;
        Gate gate;
        auto options = elastic(clock, 1, 8);
        options.queue.discipline = d;
        WorkerPool pool(options);
        std::atomic<int> ran{0}, discarded{0};
        for (int i = 0; i < 3; ++i) {
            WorkerPool::Item item;  // a request: sheddable, as the server submits it
            item.task = [&] {
                gate.wait();
                ++ran;
            };
            item.discard = [&](slowio::sync::RequestQueue::Discard) { ++discarded; };
            REQUIRE(pool.try_submit(std::move(item)));
        }
        REQUIRE(eventually([&] { return pool.busy() == 1 && pool.queued() == 2; }));
        clock.advance(1000ms);
        pool.gate_check();
        CHECK(pool.threads() == 2);  // starved for more than 500 ms: one more thread
        REQUIRE(eventually([&] { return pool.busy() == 2 && pool.queued() == 1; }));
        gate.release();
        REQUIRE(eventually([&] { return ran + discarded == 3 && pool.busy() == 0; }));
        CHECK(ran == 3);  // nothing waited past a target while the queue stood overloaded a whole interval
    }
}
