#include "server_async/Responder.hpp"

#include <asio/co_spawn.hpp>
#include <asio/redirect_error.hpp>
#include <asio/steady_timer.hpp>
#include <asio/this_coro.hpp>
#include <asio/use_awaitable.hpp>
#include <asio/use_future.hpp>
#include <future>

#include "core/ElapsedSeconds.hpp"
#ifdef SLOWIO_HAVE_LIBPQ
#include "server_async/PgAsyncPool.hpp"
#endif

namespace slowio::async {

namespace {

/// POST /work's body as a coroutine, so it can be co_spawned onto the offload pool. Takes `n` by value:
/// the frame owns everything it needs while the caller is suspended.
asio::awaitable<std::uint64_t> cpu_work_coroutine(std::uint32_t n, Metrics& metrics) {
    const ElapsedSeconds held(metrics.cpu_work_thread_seconds());  // the offload thread runs it
    co_return run_cpu_work(n);
}

}  // namespace

Responder::Responder(Application& app, const AsyncOptions& options, std::size_t offload_threads,
                     asio::any_io_executor io_executor)
    : app_(app), antipattern_(options.antipattern), io_executor_(std::move(io_executor)) {
    if (antipattern_ == Antipattern::offload) {
        offload_pool_ = std::make_unique<asio::thread_pool>(offload_threads);
    }
#ifdef SLOWIO_HAVE_LIBPQ
    if (app_.db) pg_ = std::make_unique<PgAsyncPool>(*app_.db, *app_.db_metrics, app_.metrics, io_executor_);
#endif
}

Responder::~Responder() {
    if (offload_pool_) offload_pool_->join();
}

asio::awaitable<void> Responder::complete(Outcome& outcome) {
    if (std::holds_alternative<HttpResponse>(outcome)) co_return;
    if (const auto* call = std::get_if<StoreCall>(&outcome)) {
        // The store call is performed here, not in a helper coroutine: every waiting request holds this
        // frame, and one frame fewer per waiting connection is memory saved ×10,000.
        StoreResult result;
        switch (antipattern_) {
            case Antipattern::blocking_store:
                // ANTI-PATTERN: a blocking call inside a coroutine holds the io thread for the whole wait.
                // Throughput collapses to K/L and the event-loop lag grows to about L.
                result = app_.store.fetch_blocking(*call);
                break;
            case Antipattern::sync_over_async:
                // ANTI-PATTERN: start the async call, then block this io thread until it finishes (C#'s
                // .Result). Its timer needs a free io thread to fire; with K = 1 there is none, ever:
                // deadlock. get() waits for the spawned call to finish, so nothing it references goes away
                // under it.
                result = asio::co_spawn(io_executor_, app_.store.fetch_async(*call, io_executor_),
                                        asio::use_future)
                             .get();
                break;
            case Antipattern::none:
            case Antipattern::offload: {
#ifdef SLOWIO_HAVE_LIBPQ
                if (pg_) {  // the wait is the query's: awaited on libpq's socket, no thread held
                    result = co_await pg_->fetch(*call, app_.store.begin_call());
                    break;
                }
#endif
                // The right way: suspend on a timer; the io thread goes back to serve other connections.
                // The wait is this frame's, not a nested SlowStore::fetch_async coroutine's: that frame
                // (~460 bytes) was the largest avoidable item of RSS per waiting connection.
                asio::steady_timer timer(co_await asio::this_coro::executor, app_.store.begin_call());
                std::error_code ec;
                co_await timer.async_wait(asio::redirect_error(asio::use_awaitable, ec));
                result = app_.store.end_call(*call, ec);
                break;
            }
        }
        outcome = app_.handler.finish(*call, result);  // the response is built before it replaces *call
        co_return;
    }
    const CpuWork& cpu = std::get<CpuWork>(outcome);
    const std::uint64_t digest = co_await work(cpu);
    outcome = app_.handler.finish(cpu, digest);
}

asio::awaitable<std::uint64_t> Responder::work(const CpuWork& cpu) {
    // In this frame, so it spans the suspension: the request is in flight while the pool runs it, but no
    // io thread is held meanwhile (threads per in-flight CPU request ≈ 1: the offload thread's).
    const ElapsedSeconds in_flight(app_.metrics.cpu_work_request_seconds());
    if (offload_pool_) {
        // ANTI-PATTERN (offload): the loop stays free, but each request now costs a hop to the pool and a hop
        // back (co_spawn delivers the result to this coroutine's own executor), and the pool's threads
        // compete with the io threads for the same cores. POST /jobs is the right answer for CPU work.
        co_return co_await asio::co_spawn(offload_pool_->get_executor(),
                                          cpu_work_coroutine(cpu.n, app_.metrics), asio::use_awaitable);
    }
    // Inline: CPU work on the io thread blocks every connection this thread serves (see the lag metric).
    const ElapsedSeconds held(app_.metrics.cpu_work_thread_seconds());
    co_return run_cpu_work(cpu.n);
}

}  // namespace slowio::async
