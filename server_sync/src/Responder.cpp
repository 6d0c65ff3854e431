#include "server_sync/Responder.hpp"

#include <asio/post.hpp>
#include <asio/steady_timer.hpp>
#include <exception>
#include <future>
#include <memory>
#include <type_traits>
#include <variant>

#include "core/CpuWork.hpp"
#include "core/ElapsedSeconds.hpp"
#include "core/Log.hpp"
#ifdef SLOWIO_HAVE_LIBPQ
#include "server_sync/PgBlockingPool.hpp"
#endif

namespace slowio::sync {

Responder::Responder(Application& app, Antipattern antipattern, std::size_t offload_threads, WorkerPool& pool,
                     asio::io_context& io)
    : app_(app), antipattern_(antipattern), pool_(pool), io_(io) {
    if (antipattern_ == Antipattern::offload)
        offload_pool_ = std::make_unique<asio::thread_pool>(offload_threads);
#ifdef SLOWIO_HAVE_LIBPQ
    if (app_.db) pg_ = std::make_unique<PgBlockingPool>(*app_.db, *app_.db_metrics, app_.metrics);
#endif
}

Responder::~Responder() {
    if (offload_pool_) offload_pool_->join();
}

HttpResponse Responder::respond(const HttpRequest& request) const {
    try {
        Outcome outcome = app_.handler.handle(request);
        return std::visit(
            [&](auto& step) -> HttpResponse {
                using Step = std::decay_t<decltype(step)>;
                if constexpr (std::is_same_v<Step, HttpResponse>) {
                    return std::move(step);
                } else if constexpr (std::is_same_v<Step, StoreCall>) {
                    return app_.handler.finish(step, fetch(step));
                } else {
                    static_assert(std::is_same_v<Step, CpuWork>);
                    return app_.handler.finish(step, work(step));
                }
            },
            outcome);
    } catch (const std::exception& e) {
        log(LogLevel::error, "{} {} failed: {}", request.method, request.target, e.what());
        return error_response(500, "internal error", /*close=*/true);
    }
}

StoreResult Responder::fetch(const StoreCall& call) const {
#ifdef SLOWIO_HAVE_LIBPQ
    if (pg_) return pg_->fetch(call, app_.store.begin_call());  // the server draws the latency, PG sleeps it
#endif
    return antipattern_ == Antipattern::sync_over_async ? fetch_sync_over_async(call)
                                                        : app_.store.fetch_blocking(call);
}

template <typename T>
T Responder::wait_blocked(std::future<T>& result) const {
    // .NET's Task.Wait on a pool thread tells the pool first (NotifyThreadBlocked), which is what lets the
    // elastic pool compensate with the blocking adjustment.
    const bool counted = pool_.notify_blocked();
    result.wait();
    if (counted) pool_.notify_unblocked();
    return result.get();
}

StoreResult Responder::fetch_sync_over_async(const StoreCall& call) const {
    // The promise and the timer are shared with the handlers: this frame only outlives them because it waits
    // for the promise, and the timer must live until its handler has run.
    auto promise = std::make_shared<std::promise<StoreResult>>();
    std::future<StoreResult> result = promise->get_future();
    auto timer = std::make_shared<asio::steady_timer>(io_, app_.store.begin_call());
    timer->async_wait([this, timer, promise, call](std::error_code ec) {
        pool_.post_completion(
            [this, promise, call, ec] { promise->set_value(app_.store.end_call(call, ec)); });
    });
    return wait_blocked(result);
}

std::uint64_t Responder::work(const CpuWork& cpu) const {
    const ElapsedSeconds in_flight(app_.metrics.cpu_work_request_seconds());
    const ElapsedSeconds held(app_.metrics.cpu_work_thread_seconds());  // this worker, running or blocked
    if (!offload_pool_) return run_cpu_work(cpu.n);
    std::packaged_task<std::uint64_t()> task([this, n = cpu.n] {
        const ElapsedSeconds running(app_.metrics.cpu_work_thread_seconds());  // the offload thread
        return run_cpu_work(n);
    });
    std::future<std::uint64_t> result = task.get_future();
    asio::post(*offload_pool_, std::move(task));
    return wait_blocked(result);  // Task.Run(...).Wait(): the elastic pool is told, as for sync-over-async
}

}  // namespace slowio::sync
