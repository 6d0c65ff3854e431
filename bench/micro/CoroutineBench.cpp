// What one awaited store call costs the event loop: co_spawn of a coroutine that suspends once and is
// resumed by the io_context (a zero-delay timer stands in for the store's wait).
#include <benchmark/benchmark.h>

#include <asio/co_spawn.hpp>
#include <asio/detached.hpp>
#include <asio/io_context.hpp>
#include <asio/post.hpp>
#include <asio/steady_timer.hpp>
#include <asio/use_awaitable.hpp>

namespace {

asio::awaitable<void> suspend_once(int& done) {
    co_await asio::post(co_await asio::this_coro::executor, asio::use_awaitable);
    ++done;
}

void BM_CoroutineSpawnResume(benchmark::State& state) {
    asio::io_context io;
    int done = 0;
    for (auto _ : state) {
        asio::co_spawn(io, suspend_once(done), asio::detached);
        io.run();
        io.restart();
    }
    if (done != static_cast<int>(state.iterations())) state.SkipWithError("coroutines did not complete");
}
BENCHMARK(BM_CoroutineSpawnResume);

asio::awaitable<void> wait_timer(int& done) {
    asio::steady_timer timer(co_await asio::this_coro::executor, std::chrono::nanoseconds(0));
    co_await timer.async_wait(asio::use_awaitable);
    ++done;
}

void BM_CoroutineTimerWait(benchmark::State& state) {
    asio::io_context io;
    int done = 0;
    for (auto _ : state) {
        asio::co_spawn(io, wait_timer(done), asio::detached);
        io.run();
        io.restart();
    }
    if (done != static_cast<int>(state.iterations())) state.SkipWithError("coroutines did not complete");
}
BENCHMARK(BM_CoroutineTimerWait);

}  // namespace
