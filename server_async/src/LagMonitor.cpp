#include "server_async/LagMonitor.hpp"

#include <asio/co_spawn.hpp>
#include <asio/detached.hpp>
#include <asio/experimental/as_tuple.hpp>
#include <asio/steady_timer.hpp>
#include <asio/use_awaitable.hpp>

namespace slowio::async {

LagMonitor::LagMonitor(asio::any_io_executor executor, EventLoopMetrics& metrics, Heartbeat& heartbeat,
                       std::chrono::milliseconds period)
    : executor_(std::move(executor)), metrics_(metrics), heartbeat_(heartbeat), period_(period) {}

void LagMonitor::start() {
    asio::co_spawn(executor_, tick_loop(), asio::detached);
}

asio::awaitable<void> LagMonitor::tick_loop() {
    // `this` is safe to use across suspensions: the AsyncServer owning the monitor outlives its io_context's
    // run, and the loop ends one period after stop().
    using clock = std::chrono::steady_clock;
    asio::steady_timer timer(executor_);
    double max_lag = 0;
    auto due = clock::now() + period_;
    while (!stopped_.load(std::memory_order_relaxed)) {
        timer.expires_at(due);
        co_await timer.async_wait(asio::experimental::as_tuple(asio::use_awaitable));
        const auto woke = clock::now();
        const double lag = std::chrono::duration<double>(woke - due).count();
        metrics_.lag_seconds.Observe(lag < 0 ? 0 : lag);
        if (lag > max_lag) {
            max_lag = lag;
            metrics_.lag_max_seconds.Set(max_lag);
        }
        heartbeat_.beat();
        // Schedule from the actual wake-up, not the missed due time: a stall of 2 s is one late tick of 2 s,
        // not 200 back-to-back "late" ticks afterwards.
        due = woke + period_;
    }
}

}  // namespace slowio::async
