#pragma once
/// \file What every connection of server_sync shares: the application, the pool, the counters that decide
/// when a graceful shutdown has drained.

#include <asio/io_context.hpp>
#include <atomic>
#include <cstddef>

#include "core/Application.hpp"
#include "core/ServerOptions.hpp"
#include "server_sync/Responder.hpp"
#include "server_sync/SendQueues.hpp"
#include "server_sync/SocketEngine.hpp"
#include "server_sync/WorkerPool.hpp"

namespace slowio::sync {

/// Shared state of one server. The counters are atomics because thread-per-connection connections update
/// them from worker threads; the pool model updates them on the I/O thread only.
struct ServerContext {
    Application& app;
    const ServerOptions& options;
    WorkerPool& pool;
    asio::io_context& io;  ///< the single I/O thread's context (accepts; pool-model socket I/O)
    /// eventfd, readable once shutdown began (wakes blocked thread-per-connection reads).
    int stop_event = -1;
    /// --io-on-pool: responses' sends run as work items on the pool through Kestrel's IOQueues (SendQueues);
    /// null: a worker hands its response straight to the I/O thread. Owned by SyncServer, outlives the pool.
    SendQueues* send_queues = nullptr;
    /// --socket-engine: socket events reach the pool through .NET's SocketAsyncEngine items; null: the I/O
    /// thread queues a request's item itself. Owned by SyncServer, outlives the pool.
    SocketEngine* socket_engine = nullptr;
    /// Performs the handler's store calls and CPU work on the calling worker.
    Responder responder;

    std::atomic<std::size_t> in_flight{0};    ///< requests parsed and not yet answered
    std::atomic<std::size_t> connections{0};  ///< connections being served (rejected ones excluded)
    std::atomic<bool> stopping{false};  ///< SIGINT/SIGTERM seen: finish what is in flight, take nothing new

    /// A request was parsed: it must get its response before a clean exit.
    void request_started() {
        ++in_flight;
        app.metrics.requests_in_flight().Increment();
    }
    /// Its response was written (or the connection died first).
    void request_finished() {
        app.metrics.requests_in_flight().Decrement();
        --in_flight;
    }
    /// A connection is now served (http_connections_open).
    void connection_opened() {
        ++connections;
        app.metrics.connections_open().Increment();
    }
    /// It closed.
    void connection_closed() {
        app.metrics.connections_open().Decrement();
        --connections;
    }
};

}  // namespace slowio::sync
