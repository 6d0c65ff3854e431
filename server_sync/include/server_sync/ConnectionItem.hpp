#pragma once
/// \file Kestrel's KestrelConnection work item for server_sync's --socket-engine: queued by the accept loop
/// as it accepts; it runs the connection's first request inline only if the request's bytes were in the
/// socket then.

#include <condition_variable>
#include <mutex>
#include <optional>

#include "server_sync/WorkerPool.hpp"

namespace slowio::sync {

/// Kestrel's accept loop starts each connection's receive loop (SocketConnection.Start) and queues its
/// KestrelConnection item (ThreadPool.UnsafeQueueUserWorkItem). The receive loop's first receive runs there,
/// in the accept loop: bytes already in the socket are read into the input pipe at once, and the item, when a
/// worker runs it, finds the request there and runs it inline. An empty socket makes the receive wait for
/// epoll, and the request then comes as a later request does, through an engine event, however soon the item
/// runs. So a burst's first connections, accepted as they connect, cost the pool a quick item each and block
/// no thread until their requests come back through the engine, while connections taken from a backlog run
/// their requests inline. Our accept loop peeks at the socket for that first receive; the bytes themselves
/// are read and parsed by the I/O thread, which hands the request over (offer), so an item that runs first
/// waits for it.
class ConnectionItem {
  public:
    /// `request_in_socket`: the accept loop found bytes in the socket, so the item will run the first
    /// request.
    explicit ConnectionItem(bool request_in_socket);

    /// The pool item, on a worker: runs the first request if it was in the socket at accept (waiting for the
    /// I/O thread to hand it over); otherwise returns at once, and the request goes through the engine.
    void run();

    /// I/O thread, the first request parsed: true if this item takes it (it runs here, now or when its turn
    /// comes); false if it is not the item's to run, so the caller sends it through the engine.
    bool offer(WorkerPool::Item& request);

    /// I/O thread: the bytes made no request yet, or a request it answers itself (/metrics), or the
    /// connection closes: nothing will be offered, so a waiting item stops waiting.
    void expect_none();

    /// The pool refused the item (queue limit, shutdown): the first request goes through the engine.
    void refused();

  private:
    std::mutex mutex_;
    std::condition_variable changed_;
    bool expecting_;  ///< the first request is this item's to run, once offered
    bool ran_ = false;
    std::optional<WorkerPool::Item> request_;
};

/// Whether `fd` holds unread bytes now (a peek: they stay for the reader).
bool bytes_waiting(int fd);

}  // namespace slowio::sync
