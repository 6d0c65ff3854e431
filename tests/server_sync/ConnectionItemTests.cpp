// Kestrel's connection item (server_sync --socket-engine): which first request it runs, and when it waits.
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <catch2/catch.hpp>
#include <chrono>
#include <thread>

#include "Conditions.hpp"
#include "server_sync/ConnectionItem.hpp"

using namespace slowio::sync;
using namespace std::chrono_literals;

namespace {
/// A request item that records the thread it ran on.
WorkerPool::Item request(std::atomic<std::thread::id>& ran_on) {
    WorkerPool::Item item;
    item.task = [&ran_on] { ran_on = std::this_thread::get_id(); };
    return item;
}

/// The item run on a thread of its own, as a worker would.
struct Worker {
    explicit Worker(ConnectionItem& item) : thread([&] { item.run(), done = true; }) {}
    ~Worker() { thread.join(); }
    std::atomic<bool> done{false};
    std::thread thread;
};
}  // namespace

TEST_CASE("connection item: a request in the socket at accept runs inline, offered before or after it starts",
          "[server_sync][io-on-pool]") {
    std::atomic<std::thread::id> ran_on;
    SECTION("offered first: the item runs it when its turn comes") {
        ConnectionItem item(true);
        WorkerPool::Item r = request(ran_on);
        REQUIRE(item.offer(r));
        item.run();
        CHECK(ran_on.load() == std::this_thread::get_id());
    }
    SECTION("the item first: it waits for the I/O thread's request, then runs it") {
        ConnectionItem item(true);
        Worker worker(item);
        std::this_thread::sleep_for(50ms);
        CHECK_FALSE(worker.done);  // waiting for its request
        WorkerPool::Item r = request(ran_on);
        REQUIRE(item.offer(r));
        REQUIRE(eventually([&] { return worker.done.load(); }));
        CHECK(ran_on.load() == worker.thread.get_id());
    }
    SECTION("a request offered before expect_none still runs") {
        ConnectionItem item(true);
        WorkerPool::Item r = request(ran_on);
        REQUIRE(item.offer(r));
        item.expect_none();
        item.run();
        CHECK(ran_on.load() == std::this_thread::get_id());
    }
}

TEST_CASE("connection item: an empty socket at accept, or a refused item, leaves the request to the engine",
          "[server_sync][io-on-pool]") {
    std::atomic<std::thread::id> ran_on;
    WorkerPool::Item r = request(ran_on);
    SECTION("empty at accept: the item returns at once and takes nothing afterwards") {
        ConnectionItem item(false);
        CHECK_FALSE(item.offer(r));  // not the item's, even before it runs
        item.run();
        CHECK_FALSE(item.offer(r));
    }
    SECTION("refused by the pool") {
        ConnectionItem item(true);
        item.refused();
        CHECK_FALSE(item.offer(r));
    }
    SECTION("already ran") {
        ConnectionItem item(true);
        item.expect_none();
        item.run();
        CHECK_FALSE(item.offer(r));
    }
    CHECK(ran_on.load() == std::thread::id{});
    CHECK(r.task);  // still the caller's, to send through the engine
}

TEST_CASE("connection item: expect_none frees an item waiting for a request that will not come",
          "[server_sync][io-on-pool]") {
    // The bytes made no request yet (or were /metrics, answered on the I/O thread), or the connection closed.
    ConnectionItem item(true);
    Worker worker(item);
    std::this_thread::sleep_for(50ms);
    CHECK_FALSE(worker.done);
    item.expect_none();
    REQUIRE(eventually([&] { return worker.done.load(); }));
    std::atomic<std::thread::id> ran_on;
    WorkerPool::Item r = request(ran_on);
    CHECK_FALSE(item.offer(r));
}

TEST_CASE("connection item: bytes_waiting peeks, leaving the bytes for the reader",
          "[server_sync][io-on-pool]") {
    int fds[2];
    REQUIRE(::socketpair(AF_UNIX, SOCK_STREAM, 0, fds) == 0);
    CHECK_FALSE(bytes_waiting(fds[0]));
    REQUIRE(::write(fds[1], "G", 1) == 1);
    CHECK(bytes_waiting(fds[0]));
    CHECK(bytes_waiting(fds[0]));
    char byte = 0;
    CHECK(::read(fds[0], &byte, 1) == 1);
    CHECK(byte == 'G');
    CHECK_FALSE(bytes_waiting(fds[0]));
    ::close(fds[0]);
    ::close(fds[1]);
}
