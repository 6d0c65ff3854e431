#pragma once
/// \file Turns a parsed request into a response the async way — or, on purpose, one of the anti-pattern ways.

#include <asio/any_io_executor.hpp>
#include <asio/awaitable.hpp>
#include <asio/thread_pool.hpp>
#include <memory>

#include "core/Application.hpp"
#include "core/Handler.hpp"
#include "core/HttpRequest.hpp"
#include "core/HttpResponse.hpp"
#include "server_async/AsyncOptions.hpp"

namespace slowio::async {

class PgAsyncPool;

/// Runs core's Handler and performs the Outcome it returns. This is the only place the anti-patterns live:
/// - StoreCall: `none`/`offload` co_await a steady_timer for SlowStore::begin_call()'s latency, then query
///   (the io thread serves others meanwhile); `blocking-store` calls fetch_blocking on the io thread;
///   `sync-over-async` co_spawns fetch_async onto the io_context with asio::use_future and blocks on
///   future.get().
/// - CpuWork (POST /work): inline on the io thread (it blocks the loop; the lag metric shows it), or with
///   `offload` on a separate asio::thread_pool, resuming on the connection's executor when done.
class Responder {
  public:
    /// `app` must outlive the responder. `io_executor` is the io_context's own executor: sync-over-async
    /// spawns the store call there (not on the connection's strand), so with K > 1 any unblocked io thread
    /// can complete it — the deadlock needs all K threads parked, exactly as in the thread-pool version.
    Responder(Application& app, const AsyncOptions& options, std::size_t offload_threads,
              asio::any_io_executor io_executor);
    /// Joins the offload pool (after the io_context stopped: nothing awaits it any more).
    ~Responder();
    Responder(const Responder&) = delete;
    Responder& operator=(const Responder&) = delete;

    /// Runs the handler on `request`. An HttpResponse is the answer now; a StoreCall or CpuWork is to be
    /// passed to complete(). Two steps so that the connection knows before anything waits (and can send the
    /// responses it holds for earlier pipelined requests first).
    Outcome handle(const HttpRequest& request) { return app_.handler.handle(request); }

    /// Performs a StoreCall or CpuWork from handle() and replaces `outcome` with the response (an
    /// HttpResponse is left as is). In place, by reference: a waiting connection holds one Outcome (the
    /// caller's), not a copy in this frame and a result in the caller's. `outcome` must stay valid until the
    /// awaitable completes; nothing of the request is referenced. Timers are bound to the calling coroutine's
    /// executor (the connection's).
    asio::awaitable<void> complete(Outcome& outcome);

  private:
    asio::awaitable<std::uint64_t> work(const CpuWork& work);

    Application& app_;
    Antipattern antipattern_;
    asio::any_io_executor io_executor_;
    std::unique_ptr<asio::thread_pool> offload_pool_;  ///< only with --antipattern offload
    std::unique_ptr<PgAsyncPool> pg_;                  ///< only with --store postgres
};

}  // namespace slowio::async
