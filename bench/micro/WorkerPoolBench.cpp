// Dispatch cost of server_sync's WorkerPool: submit an item and wait until a worker has run it
// (the queue hand-off a sync server pays per request, on top of the store's wait).
#include <benchmark/benchmark.h>

#include <condition_variable>
#include <mutex>

#include "server_sync/WorkerPool.hpp"

namespace {

void BM_WorkerPoolRoundTrip(benchmark::State& state) {
    slowio::sync::WorkerPool::Options options;
    options.threads = static_cast<std::size_t>(state.range(0));
    slowio::sync::WorkerPool pool(options);
    std::mutex mutex;
    std::condition_variable done_cv;
    bool done = false;
    for (auto _ : state) {
        {
            std::lock_guard lock(mutex);
            done = false;
        }
        pool.try_submit([&] {
            {
                std::lock_guard lock(mutex);
                done = true;
            }
            done_cv.notify_one();
        });
        std::unique_lock lock(mutex);
        done_cv.wait(lock, [&] { return done; });
    }
    pool.shutdown();
}
BENCHMARK(BM_WorkerPoolRoundTrip)->Arg(1)->Arg(10)->UseRealTime();

}  // namespace
