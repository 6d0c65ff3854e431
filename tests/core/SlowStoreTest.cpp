#include <asio/co_spawn.hpp>
#include <asio/io_context.hpp>
#include <asio/use_future.hpp>
#include <atomic>
#include <catch2/catch.hpp>
#include <chrono>
#include <thread>
#include <vector>

#include "core/Metrics.hpp"
#include "core/SlowStore.hpp"

using namespace slowio;
using namespace std::chrono;

TEST_CASE("the store is seeded deterministically and queries return the seeded rows", "[store]") {
    SlowStore store(SlowStore::Options{{}, 500, nullptr, 2, nullptr});
    CHECK(store.user_count() == 500);
    CHECK(std::filesystem::exists(store.path()));
    for (std::int64_t id : {1, 2, 250, 500}) {
        const StoreResult r = store.query(StoreCall{id});
        REQUIRE(r.user);
        const User expected = SlowStore::seeded_user(id);
        CHECK(r.user->id == id);
        CHECK(r.user->name == expected.name);
        CHECK(r.user->email == expected.email);
        CHECK(r.user->created_at == expected.created_at);
    }
    CHECK_FALSE(store.query(StoreCall{501}).user);
    CHECK(store.query(StoreCall{501}).error.empty());
    // Same id, same row, in every run.
    CHECK(SlowStore::seeded_user(1).created_at == "2020-01-01T01:00:07Z");
}

TEST_CASE("the temporary database file is removed with the store", "[store]") {
    std::filesystem::path path;
    {
        SlowStore store(SlowStore::Options{{}, 10, nullptr, 1, nullptr});
        path = store.path();
        CHECK(std::filesystem::exists(path));
    }
    CHECK_FALSE(std::filesystem::exists(path));
}

TEST_CASE("fetch_blocking waits the latency on the calling thread", "[store]") {
    Metrics metrics;
    LatencyModel latency(milliseconds(50));
    SlowStore store(SlowStore::Options{{}, 100, &latency, 2, &metrics});
    const auto t0 = steady_clock::now();
    const StoreResult r = store.fetch_blocking(StoreCall{7});
    const auto took = steady_clock::now() - t0;
    REQUIRE(r.user);
    CHECK(took >= milliseconds(50));
    CHECK(took < milliseconds(50 + 150));  // generous slack for a loaded 2-core CI box
    CHECK(metrics.store_calls().Value() == 1);
}

TEST_CASE("fetch_async waits on a timer: one thread overlaps many waits", "[store]") {
    LatencyModel latency(milliseconds(50));
    SlowStore store(SlowStore::Options{{}, 100, &latency, 2, nullptr});
    asio::io_context io;
    std::vector<std::future<StoreResult>> results;
    for (int i = 1; i <= 200; ++i) {
        results.push_back(asio::co_spawn(io, store.fetch_async(StoreCall{i % 100 + 1}, io.get_executor()),
                                         asio::use_future));
    }
    const auto t0 = steady_clock::now();
    io.run();  // one thread
    const auto took = steady_clock::now() - t0;
    for (auto& f : results) CHECK(f.get().user);
    CHECK(took >= milliseconds(50));
    CHECK(took < milliseconds(50 * 4));  // 200 overlapped waits, not 200 × 50 ms
}

TEST_CASE("concurrent blocking use from many threads shares the small connection pool", "[store]") {
    LatencyModel latency(milliseconds(20));
    SlowStore store(SlowStore::Options{{}, 1000, &latency, 4, nullptr});
    std::atomic<int> ok{0};
    std::vector<std::thread> threads;
    const auto t0 = steady_clock::now();
    for (int t = 0; t < 64; ++t) {
        threads.emplace_back([&, t] {
            for (int i = 0; i < 5; ++i) {
                const std::int64_t id = (t * 5 + i) % 1000 + 1;
                const auto r = store.fetch_blocking(StoreCall{id});
                if (r.user && r.user->email == SlowStore::seeded_user(id).email) ++ok;
            }
        });
    }
    for (auto& th : threads) th.join();
    CHECK(ok == 64 * 5);
    // 64 threads waiting in parallel: about 5 × 20 ms, far below the 6.4 s of a serialized store.
    CHECK(steady_clock::now() - t0 < milliseconds(2000));
}

TEST_CASE("bad store options are refused at startup", "[store]") {
    CHECK_THROWS_AS(SlowStore(SlowStore::Options{{}, 0, nullptr, 1, nullptr}), std::invalid_argument);
    CHECK_THROWS_AS(SlowStore(SlowStore::Options{"/nonexistent-dir/x.db", 10, nullptr, 1, nullptr}),
                    std::runtime_error);
}
