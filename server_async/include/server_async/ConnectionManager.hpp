#pragma once
/// \file The set of open connections: the --max-connections count, and who to tell when the server stops.

#include <atomic>
#include <cstddef>
#include <mutex>

#include "core/Metrics.hpp"

namespace slowio::async {

class CoroutineConnection;

/// Counts and lists the live connections (as in Asio's HTTP server example's connection_manager).
/// Thread-safe: with K > 1 io threads connections open and close on any of them.
class ConnectionManager {
  public:
    /// `metrics` must outlive the manager (http_connections_open is kept here).
    ConnectionManager(Metrics& metrics, std::size_t max_connections);

    /// Takes one slot of --max-connections; false when all are taken (the caller answers 503 and closes).
    bool try_reserve();
    /// Gives a slot back: for a reserved connection that never got registered.
    void release();

    /// Lists a connection whose slot was reserved. Returns false once stop_all() ran (the caller closes it).
    bool add(CoroutineConnection& connection);
    /// Unlists it and frees its slot (from CoroutineConnection's destructor).
    void remove(CoroutineConnection& connection);

    /// Server shutdown: from now on add() refuses, and every listed connection is told (on its own executor)
    /// to close if idle and to finish its in-flight request with `Connection: close` otherwise.
    void stop_all();

    /// Connections currently open.
    std::size_t open() const noexcept { return open_.load(std::memory_order_relaxed); }

    /// A connection parsed a request: in flight until its response is written (http_requests_in_flight).
    void request_parsed();
    /// `n` requests of one connection are no longer in flight: their responses were written, or the
    /// connection ended without them.
    void requests_settled(std::size_t n);
    /// Requests parsed whose responses are not written yet: a shutdown that ends with any is not clean. Read
    /// from the http_requests_in_flight gauge itself (exact: a double counts integers to 2^53), so the hot
    /// path updates one counter, not two.
    std::size_t requests_in_flight() const {
        return static_cast<std::size_t>(metrics_.requests_in_flight().Value());
    }

  private:
    Metrics& metrics_;
    const std::size_t max_;
    std::atomic<std::size_t> open_{0};
    std::mutex mutex_;
    bool stopping_ = false;
    /// intrusive list through CoroutineConnection::prev_/next_: no per-connection node
    CoroutineConnection* head_ = nullptr;
};

}  // namespace slowio::async
