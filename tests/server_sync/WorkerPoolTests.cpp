// WorkerPool: fixed mode, queue limit, and the elastic (.NET starvation) heuristic with an injected clock.
#include <atomic>
#include <catch2/catch.hpp>
#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "core/Metrics.hpp"
#include "server_sync/WorkerPool.hpp"

using namespace std::chrono_literals;
using slowio::sync::WorkerPool;

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

/// Polls `pred` in real time (threads start and stop asynchronously) for up to `limit`.
template <typename Pred>
bool eventually(Pred pred, std::chrono::milliseconds limit = 3000ms) {
    const auto deadline = std::chrono::steady_clock::now() + limit;
    while (std::chrono::steady_clock::now() < deadline) {
        if (pred()) return true;
        std::this_thread::sleep_for(2ms);
    }
    return pred();
}

WorkerPool::Options elastic(ManualClock& clock, std::size_t min, std::size_t max) {
    WorkerPool::Options o;
    o.mode = WorkerPool::Mode::elastic;
    o.min_threads = min;
    o.max_threads = max;
    o.clock = clock.fn();
    o.gate_thread = false;  // the test drives gate_check()
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

TEST_CASE("elastic: exactly one thread per gate period under starvation, up to max",
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
        clock.advance(500ms);
        pool.gate_check();
        CHECK(pool.threads() == expected);
        // The new thread dequeues and blocks too: starvation persists into the next period.
        REQUIRE(eventually([&] { return pool.busy() == expected; }));
        // More gate checks in the same instant add nothing: one thread per period.
        pool.gate_check();
        CHECK(pool.threads() == expected);
    }
    clock.advance(500ms);
    pool.gate_check();
    CHECK(pool.threads() == 4);  // max reached
    CHECK(metrics.enable_threadpool().threads.Value() == 4);
    CHECK(metrics.enable_threadpool().queue_length.Value() == 6);
    gate.release();
    REQUIRE(eventually([&] { return pool.completed() == 10; }));
}

TEST_CASE("elastic: no injection without starvation", "[workerpool][elastic]") {
    ManualClock clock;
    Gate gate;
    WorkerPool pool(elastic(clock, 1, 8));
    // Queue empty: nothing to inject for, however long.
    clock.advance(10s);
    pool.gate_check();
    CHECK(pool.threads() == 1);

    // Work queued but a dequeue happened less than 500 ms ago: not starved yet.
    REQUIRE(pool.try_submit([&] { gate.wait(); }));
    REQUIRE(eventually([&] { return pool.busy() == 1; }));  // dequeued "now"
    REQUIRE(pool.try_submit([&] { gate.wait(); }));
    clock.advance(499ms);
    pool.gate_check();
    CHECK(pool.threads() == 1);
    clock.advance(1ms);  // 500 ms without a dequeue
    pool.gate_check();
    CHECK(pool.threads() == 2);
    gate.release();
    REQUIRE(eventually([&] { return pool.completed() == 2 && pool.queued() == 0; }));
    clock.advance(500ms);
    pool.gate_check();
    CHECK(pool.threads() == 2);
}

TEST_CASE("elastic: threads idle for 20 s retire down to min", "[workerpool][elastic]") {
    ManualClock clock;
    Gate gate;
    WorkerPool pool(elastic(clock, 2, 8));
    for (int i = 0; i < 8; ++i) REQUIRE(pool.try_submit([&] { gate.wait(); }));
    REQUIRE(eventually([&] { return pool.busy() == 2; }));
    for (int i = 0; i < 3; ++i) {
        clock.advance(500ms);
        pool.gate_check();
        REQUIRE(eventually([&] { return pool.busy() == pool.threads(); }));
    }
    REQUIRE(pool.threads() == 5);
    gate.release();
    REQUIRE(eventually([&] { return pool.completed() == 8; }));
    // All idle since "now". Just short of the idle timeout: nobody retires.
    clock.advance(19'999ms);
    pool.gate_check();
    CHECK(pool.threads() == 5);
    clock.advance(1ms);
    pool.gate_check();
    CHECK(eventually([&] { return pool.threads() == 2; }));
    // The floor holds.
    clock.advance(60s);
    pool.gate_check();
    std::this_thread::sleep_for(20ms);
    CHECK(pool.threads() == 2);
    // And the survivors still work.
    std::atomic<int> done{0};
    REQUIRE(pool.try_submit([&] { ++done; }));
    REQUIRE(eventually([&] { return done == 1; }));
}

namespace {
/// A: blocks, B: blocks, C/D/E queued, all at t0. Gate at +500 injects (both signals). At +900 A finishes and
/// its worker dequeues C: a recent dequeue, while D has waited 1000 ms. Returns the threads after the gate at
/// +1000.
std::size_t threads_after_recent_dequeue(WorkerPool::StarvationSignal signal) {
    ManualClock clock;
    std::vector<std::unique_ptr<Gate>> gates;
    for (int i = 0; i < 5; ++i) gates.push_back(std::make_unique<Gate>());
    auto o = elastic(clock, 1, 8);
    o.starvation_signal = signal;
    WorkerPool pool(o);
    for (int i = 0; i < 5; ++i) REQUIRE(pool.try_submit([g = gates[i].get()] { g->wait(); }));
    REQUIRE(eventually([&] { return pool.busy() == 1; }));
    clock.advance(500ms);
    pool.gate_check();
    REQUIRE(eventually([&] { return pool.busy() == 2 && pool.queued() == 3; }));
    clock.advance(400ms);
    gates[0]->release();
    REQUIRE(eventually([&] { return pool.completed() == 1 && pool.busy() == 2 && pool.queued() == 2; }));
    clock.advance(100ms);
    pool.gate_check();
    const std::size_t threads = pool.threads();
    for (auto& g : gates) g->release();
    REQUIRE(eventually([&] { return pool.completed() == 5; }));
    return threads;
}
}  // namespace

TEST_CASE(
    "elastic: .NET's last-dequeue signal misses a queue that progresses but never drains; queue age does not",
    "[workerpool][elastic]") {
    CHECK(threads_after_recent_dequeue(WorkerPool::StarvationSignal::last_dequeue) == 2);
    CHECK(threads_after_recent_dequeue(WorkerPool::StarvationSignal::queue_age) == 3);
}

TEST_CASE("elastic: grows in real time under starvation (gate thread, real clock)", "[workerpool][elastic]") {
    Gate gate;
    WorkerPool::Options o;
    o.mode = WorkerPool::Mode::elastic;
    o.min_threads = 1;
    o.max_threads = 50;
    WorkerPool pool(o);
    for (int i = 0; i < 50; ++i) REQUIRE(pool.try_submit([&] { gate.wait(); }));
    const auto start = std::chrono::steady_clock::now();
    std::this_thread::sleep_for(2200ms);
    const std::size_t grown = pool.threads();
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    INFO("threads after " << seconds << " s: " << grown);
    // One thread per 500 ms gate period: 4 in 2.2 s on an idle machine; allow a late tick on a loaded box.
    CHECK(grown >= 1 + 3);
    CHECK(grown <= 1 + 5);
    gate.release();
    REQUIRE(eventually([&] { return pool.completed() == 50; }, 5000ms));
}
