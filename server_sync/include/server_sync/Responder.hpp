#pragma once
/// \file server_sync's way of performing what the handler asks for: on the calling thread, blocking it (the
/// synchronous controller action). server_async's Responder is the awaiting counterpart.

#include <asio/io_context.hpp>

#include "core/Application.hpp"
#include "core/HttpRequest.hpp"
#include "core/HttpResponse.hpp"
#include "core/SlowStore.hpp"
#include "server_sync/WorkerPool.hpp"

namespace slowio::sync {

/// Answers requests on whichever worker thread calls respond(). Stateless apart from its references, so one
/// instance serves every worker at once.
class Responder {
  public:
    /// How a store call waits.
    enum class StoreWait {
        blocking,  ///< SlowStore::fetch_blocking: the worker sleeps L (a synchronous database driver)
        /// ANTI-PATTERN (C#'s .Result on a pool thread): the async call's timer runs on the I/O thread, its
        /// completion is queued to `pool` — like a Task continuation on .NET's pool, ASP.NET Core having no
        /// SynchronizationContext — and the worker blocks until a worker has run it.
        sync_over_async,
    };

    /// `app`, `pool` and `io` must outlive the responder; `pool` and `io` are used by sync_over_async only.
    Responder(Application& app, StoreWait wait, WorkerPool& pool, asio::io_context& io)
        : app_(app), wait_(wait), pool_(pool), io_(io) {}

    /// Routes `request`, then performs what the handler asked for the blocking way: the store call blocks
    /// this thread for the store latency, CPU work runs here. Never throws: an unexpected exception becomes a
    /// 500 that closes the connection.
    HttpResponse respond(const HttpRequest& request) const;

  private:
    StoreResult fetch_sync_over_async(const StoreCall& call) const;

    Application& app_;
    StoreWait wait_;
    WorkerPool& pool_;
    asio::io_context& io_;
};

}  // namespace slowio::sync
