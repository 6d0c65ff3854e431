#include "server_async/Responder.hpp"

#include <asio/co_spawn.hpp>
#include <asio/use_awaitable.hpp>
#include <asio/use_future.hpp>
#include <future>

namespace slowio::async {

namespace {

/// POST /work's body as a coroutine, so it can be co_spawned onto the offload pool. Takes `n` by value:
/// the frame owns everything it needs while the caller is suspended.
asio::awaitable<std::uint64_t> cpu_work_coroutine(std::uint32_t n) { co_return run_cpu_work(n); }

}  // namespace

Responder::Responder(Application& app, const AsyncOptions& options, asio::any_io_executor io_executor)
    : app_(app), antipattern_(options.antipattern), io_executor_(std::move(io_executor)) {
    if (antipattern_ == Antipattern::offload) {
        offload_pool_ = std::make_unique<asio::thread_pool>(options.offload_threads);
    }
}

Responder::~Responder() {
    if (offload_pool_) offload_pool_->join();
}

asio::awaitable<HttpResponse> Responder::respond(const HttpRequest& request, asio::any_io_executor executor) {
    Outcome outcome = app_.handler.handle(request);
    if (auto* response = std::get_if<HttpResponse>(&outcome)) co_return std::move(*response);
    if (auto* call = std::get_if<StoreCall>(&outcome)) {
        const StoreResult result = co_await fetch(*call, std::move(executor));
        co_return app_.handler.finish(*call, result);
    }
    const CpuWork& cpu = std::get<CpuWork>(outcome);
    const std::uint64_t digest = co_await work(cpu);
    co_return app_.handler.finish(cpu, digest);
}

asio::awaitable<StoreResult> Responder::fetch(const StoreCall& call, asio::any_io_executor executor) {
    switch (antipattern_) {
        case Antipattern::blocking_store:
            // ANTI-PATTERN: a blocking call inside a coroutine holds the io thread for the whole wait.
            // Throughput collapses to K/L and the event-loop lag grows to about L.
            co_return app_.store.fetch_blocking(call);
        case Antipattern::sync_over_async: {
            // ANTI-PATTERN: start the async call, then block this io thread until it finishes (C#'s .Result).
            // Its timer needs a free io thread to fire; with K = 1 there is none, ever: deadlock. The future
            // must not outlive the store call's frame: get() waits for it, so both end here.
            std::future<StoreResult> pending =
                asio::co_spawn(io_executor_, app_.store.fetch_async(call, io_executor_), asio::use_future);
            co_return pending.get();
        }
        case Antipattern::none:
        case Antipattern::offload:
            break;
    }
    // The right way: the coroutine suspends on a timer; the io thread goes back to serve other connections.
    co_return co_await app_.store.fetch_async(call, std::move(executor));
}

asio::awaitable<std::uint64_t> Responder::work(const CpuWork& cpu) {
    if (offload_pool_) {
        // ANTI-PATTERN (offload): the loop stays free, but each request now costs a hop to the pool and a hop
        // back (co_spawn delivers the result to this coroutine's own executor), and the pool's threads compete
        // with the io threads for the same cores. POST /jobs is the right answer for CPU work.
        co_return co_await asio::co_spawn(offload_pool_->get_executor(), cpu_work_coroutine(cpu.n),
                                          asio::use_awaitable);
    }
    // Inline: CPU work on the io thread blocks every connection this thread serves (see the lag metric).
    co_return run_cpu_work(cpu.n);
}

}  // namespace slowio::async
