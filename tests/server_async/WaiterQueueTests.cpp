// The async PostgreSQL pool's waiter queue on a hand-set clock: FIFO hand-out, deadlines, leaving.
#include <catch2/catch.hpp>
#include <chrono>

#include "server_async/WaiterQueue.hpp"

using slowio::async::WaiterQueue;
using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

namespace {
const Clock::time_point t0{};  // the hand-set clock's zero
}

TEST_CASE("waiter queue: a freed connection goes to the oldest waiter", "[server_async][db_pool]") {
    WaiterQueue<int> q;
    q.push(1, t0 + milliseconds(100));
    q.push(2, t0 + milliseconds(50));  // an earlier deadline does not jump the queue
    q.push(3, t0 + milliseconds(100));
    CHECK(q.size() == 3);
    CHECK(q.pop_front(t0) == 1);
    CHECK(q.pop_front(t0) == 2);
    CHECK(q.pop_front(t0) == 3);
    CHECK_FALSE(q.pop_front(t0).has_value());
    CHECK(q.empty());
}

TEST_CASE("waiter queue: a waiter past its deadline is never handed a connection",
          "[server_async][db_pool]") {
    WaiterQueue<int> q;
    q.push(1, t0 + milliseconds(10));
    q.push(2, t0 + milliseconds(20));
    q.push(3, t0 + milliseconds(30));
    // At 20 ms the first two are out of time (a deadline equal to now counts as passed): the third gets it.
    CHECK(q.pop_front(t0 + milliseconds(20)) == 3);
    CHECK(q.empty());
    q.push(4, t0 + milliseconds(5));
    CHECK_FALSE(q.pop_front(t0 + milliseconds(6)).has_value());
    CHECK(q.empty());
}

TEST_CASE("waiter queue: a timed-out waiter leaves by its ticket", "[server_async][db_pool]") {
    WaiterQueue<int> q;
    const auto a = q.push(1, t0 + milliseconds(100));
    const auto b = q.push(2, t0 + milliseconds(100));
    CHECK(q.remove(a));
    CHECK_FALSE(q.remove(a));  // already gone
    CHECK(q.size() == 1);
    CHECK(q.pop_front(t0) == 2);
    CHECK_FALSE(q.remove(b));  // handed a connection: no longer waiting
}
