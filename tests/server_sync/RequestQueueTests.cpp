// The queue disciplines' rules on a hand-set clock (server_sync --queue, --drop-abandoned).
#include <catch2/catch.hpp>
#include <chrono>
#include <string>
#include <vector>

#include "server_sync/RequestQueue.hpp"

using namespace slowio::sync;
using namespace std::chrono_literals;
using Discarded = std::vector<std::pair<RequestQueue::Item, RequestQueue::Discard>>;

namespace {
const RequestQueue::TimePoint t0 = RequestQueue::TimePoint{} + 1000s;

/// An item that records its id when run; `sheddable` items may be discarded (requests), others not
/// (completions a blocked worker waits for).
RequestQueue::Item item(std::vector<int>& ran, int id, bool sheddable = true,
                        std::shared_ptr<std::atomic<bool>> abandoned = nullptr) {
    RequestQueue::Item i;
    i.task = [&ran, id] { ran.push_back(id); };
    if (sheddable) i.discard = [](RequestQueue::Discard) {};
    i.abandoned = std::move(abandoned);
    return i;
}

/// Pops everything at `now`, running what comes out.
void drain(RequestQueue& q, RequestQueue::TimePoint now, Discarded& discarded) {
    while (auto i = q.pop(now, discarded)) i->task();
}
}  // namespace

TEST_CASE("queue disciplines: names parse and print from one table", "[queue]") {
    for (auto d : {QueueDiscipline::fifo, QueueDiscipline::lifo, QueueDiscipline::adaptive_lifo,
                   QueueDiscipline::codel})
        CHECK(queue_disciplines.parse(to_string(d)) == d);
    CHECK_FALSE(queue_disciplines.parse("random"));
    CHECK(queue_disciplines.names() == std::vector<std::string>{"fifo", "lifo", "adaptive-lifo", "codel"});
}

TEST_CASE("fifo takes the oldest, lifo the newest", "[queue]") {
    for (auto d : {QueueDiscipline::fifo, QueueDiscipline::lifo}) {
        std::vector<int> ran;
        RequestQueue::Options o;
        o.discipline = d;
        RequestQueue q(o);
        for (int id = 1; id <= 3; ++id) q.push(item(ran, id), t0 + std::chrono::milliseconds(id));
        Discarded discarded;
        drain(q, t0 + 10s, discarded);  // however long they waited: neither discipline sheds
        CHECK(discarded.empty());
        CHECK(ran == (d == QueueDiscipline::fifo ? std::vector<int>{1, 2, 3} : std::vector<int>{3, 2, 1}));
    }
}

TEST_CASE("adaptive lifo: FIFO until the oldest waited longer than lifo_after, then newest first",
          "[queue]") {
    std::vector<int> ran;
    RequestQueue::Options o;
    o.discipline = QueueDiscipline::adaptive_lifo;
    o.lifo_after = 100ms;
    RequestQueue q(o);
    q.push(item(ran, 1), t0);
    q.push(item(ran, 2), t0 + 10ms);
    q.push(item(ran, 3), t0 + 20ms);
    Discarded discarded;
    q.pop(t0 + 100ms, discarded)->task();  // the oldest waited exactly 100 ms: not longer, FIFO
    CHECK(ran == std::vector<int>{1});
    q.pop(t0 + 111ms, discarded)->task();  // the oldest (2) waited 101 ms: newest first
    CHECK(ran == std::vector<int>{1, 3});
    q.push(item(ran, 4), t0 + 112ms);
    q.pop(t0 + 112ms, discarded)->task();  // still: 2 waited 102 ms, so 4 goes first
    q.pop(t0 + 112ms, discarded)->task();
    CHECK(ran == std::vector<int>{1, 3, 4, 2});
    CHECK(discarded.empty());
}

TEST_CASE("codel: sheds what waited past the target only after a whole interval stayed above it", "[queue]") {
    std::vector<int> ran;
    RequestQueue::Options o;
    o.discipline = QueueDiscipline::codel;
    o.codel_target = 5ms;
    o.codel_interval = 100ms;
    RequestQueue q(o);
    Discarded discarded;
    // Interval 1 starts with the first pop; every item has waited 50 ms: the standing queue is above the
    // target, but nothing is shed until the interval has shown it.
    for (int id = 1; id <= 4; ++id) q.push(item(ran, id), t0 + std::chrono::milliseconds(id * 10));
    for (int k = 1; k <= 4; ++k) q.pop(t0 + std::chrono::milliseconds(k * 10 + 50), discarded)->task();
    CHECK(ran == std::vector<int>{1, 2, 3, 4});
    CHECK_FALSE(q.overloaded());
    // Interval 2 (from t0 + 160 ms): the first pop judges interval 1 (smallest wait 50 ms > 5 ms):
    // overloaded. It is the interval's first item, so it runs; after it, items that waited more than 5 ms are
    // shed, and completions (not sheddable) run whatever they waited.
    q.push(item(ran, 5), t0 + 100ms);
    q.push(item(ran, 6), t0 + 110ms);
    q.push(item(ran, 7, /*sheddable=*/false), t0 + 120ms);
    q.push(item(ran, 8), t0 + 198ms);
    q.pop(t0 + 160ms, discarded)->task();  // 5: the interval's first
    CHECK(q.overloaded());
    q.pop(t0 + 200ms, discarded)->task();  // 6 waited 90 ms: shed; 7 is a completion: runs
    q.pop(t0 + 200ms, discarded)->task();  // 8 waited 2 ms: under the target, runs
    CHECK(ran == std::vector<int>{1, 2, 3, 4, 5, 7, 8});
    REQUIRE(discarded.size() == 1);
    CHECK(discarded[0].second == RequestQueue::Discard::shed);
    discarded.front().first.task();
    CHECK(ran.back() == 6);  // the discarded item is handed back intact: its owner answers it (503)
    // Interval 3 (from t0 + 260 ms) judges interval 2 by its smallest wait (2 ms): no longer overloaded.
    q.push(item(ran, 9), t0 + 200ms);
    q.push(item(ran, 10), t0 + 201ms);
    q.pop(t0 + 260ms, discarded)->task();
    CHECK_FALSE(q.overloaded());
    q.pop(t0 + 300ms, discarded)->task();  // waited 99 ms, but the queue is not overloaded: runs
    CHECK(discarded.size() == 1);
}

TEST_CASE("drop-abandoned: a request whose client left is discarded when reached, others run", "[queue]") {
    for (bool drop : {false, true}) {
        std::vector<int> ran;
        RequestQueue::Options o;
        o.drop_abandoned = drop;
        RequestQueue q(o);
        auto gone = std::make_shared<std::atomic<bool>>(false);
        auto still_here = std::make_shared<std::atomic<bool>>(false);
        q.push(item(ran, 1, true, gone), t0);
        q.push(item(ran, 2, true, still_here), t0);
        q.push(item(ran, 3, false, gone), t0);  // a completion is never dropped
        *gone = true;                           // the I/O side saw the client close while 1 was queued
        Discarded discarded;
        drain(q, t0 + 1s, discarded);
        INFO("drop " << drop);
        CHECK(ran == (drop ? std::vector<int>{2, 3} : std::vector<int>{1, 2, 3}));
        CHECK(discarded.size() == (drop ? 1u : 0u));
        if (drop) CHECK(discarded[0].second == RequestQueue::Discard::dropped);
    }
}
