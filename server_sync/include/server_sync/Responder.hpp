#pragma once
/// \file server_sync's way of performing what the handler asks for: on the calling thread, blocking it (the
/// synchronous controller action). server_async's Responder is the awaiting counterpart.

#include <asio/io_context.hpp>
#include <asio/thread_pool.hpp>
#include <cstddef>
#include <future>
#include <memory>

#include "core/Application.hpp"
#include "core/HttpRequest.hpp"
#include "core/HttpResponse.hpp"
#include "core/SlowStore.hpp"
#include "server_sync/SyncOptions.hpp"
#include "server_sync/WorkerPool.hpp"

namespace slowio::sync {

class PgBlockingPool;

/// Answers requests on whichever worker thread calls respond(). Stateless apart from its references, so one
/// instance serves every worker at once.
class Responder {
  public:
    /// `app`, `pool` and `io` must outlive the responder; `pool` and `io` are used by sync_over_async only;
    /// `offload_threads` sizes the offload pool (created only for Antipattern::offload).
    Responder(Application& app, Antipattern antipattern, std::size_t offload_threads, WorkerPool& pool,
              asio::io_context& io);
    /// Joins the offload pool (after the workers that wait on it were joined: it is declared before them).
    ~Responder();
    Responder(const Responder&) = delete;
    Responder& operator=(const Responder&) = delete;

    /// Routes `request`, then performs what the handler asked for the blocking way: the store call blocks
    /// this thread for the store latency, CPU work runs here. Never throws: an unexpected exception becomes a
    /// 500 that closes the connection.
    HttpResponse respond(const HttpRequest& request) const;

  private:
    /// The store call the blocking way: the PostgreSQL pool, or the sim store (possibly sync-over-async).
    StoreResult fetch(const StoreCall& call) const;
    StoreResult fetch_sync_over_async(const StoreCall& call) const;
    std::uint64_t work(const CpuWork& cpu) const;
    /// Blocks this worker on `result`, telling the pool (its blocking adjustment) while it waits.
    template <typename T>
    T wait_blocked(std::future<T>& result) const;

    Application& app_;
    Antipattern antipattern_;
    WorkerPool& pool_;
    asio::io_context& io_;
    std::unique_ptr<asio::thread_pool> offload_pool_;  ///< only with Antipattern::offload
    std::unique_ptr<PgBlockingPool> pg_;               ///< only with --store postgres
};

}  // namespace slowio::sync
