#pragma once
/// \file One client connection of the pool model (`--model pool`, the Kestrel shape).
///
/// All socket I/O happens on the single I/O thread. A parsed request becomes a work item on the WorkerPool;
/// the worker runs the handler and blocks on the store; the response comes back to the I/O thread (posted) to
/// be serialized and written. So an idle keep-alive connection costs a socket and a buffer, never a thread,
/// and when every worker is blocked, requests wait in the pool's queue: thread starvation.
/// GET /metrics is answered right here on the I/O thread, so starvation stays observable.

#include <array>
#include <asio/ip/tcp.hpp>
#include <asio/steady_timer.hpp>
#include <atomic>
#include <cstdint>
#include <memory>
#include <string>

#include "core/HttpRequest.hpp"
#include "core/HttpResponse.hpp"
#include "core/RequestParser.hpp"
#include "server_sync/ConnectionItem.hpp"
#include "server_sync/ServerContext.hpp"

namespace slowio::sync {

class ConnectionManager;

/// A keep-alive HTTP/1.1 connection: reads, parses, dispatches one request at a time (pipelined requests
/// are answered in order because the next is parsed only after the previous response is written).
class PoolConnection : public std::enable_shared_from_this<PoolConnection> {
  public:
    /// Takes the accepted socket; counts the connection as open until it closes. `item`: with
    /// --socket-engine, the connection's item the accept loop queued (its first request runs there if it
    /// takes it), else null.
    PoolConnection(asio::ip::tcp::socket socket, ServerContext& context, ConnectionManager& manager,
                   std::shared_ptr<ConnectionItem> item = nullptr);
    ~PoolConnection();
    PoolConnection(const PoolConnection&) = delete;
    PoolConnection& operator=(const PoolConnection&) = delete;

    /// Starts reading (and the keep-alive idle timer).
    void start();
    /// Graceful shutdown: close now if nothing is in flight, otherwise after the in-flight response.
    void stop();
    /// Closes the socket now.
    void close();

  private:
    enum class TimerKind { none, idle, header, linger };

    void read_more();
    void on_read(std::error_code ec, std::size_t bytes);
    /// --io-on-pool: the pool items Kestrel queues when a client ends its connection (see the .cpp).
    void queue_connection_end_items();
    void process();
    void dispatch(HttpRequest request);
    WorkerPool::Item work_item(HttpRequest request, bool keep_alive);
    /// --socket-engine: a request's item queued from an engine event, unless it is the first and the
    /// connection's item (ConnectionItem) takes it.
    void submit_through_engine(WorkerPool::Item item, bool keep_alive);
    /// The pool refused the request's item: 503 (queue full) or the shutdown's answer.
    void on_refused(bool keep_alive);
    void on_discarded(RequestQueue::Discard why, std::chrono::milliseconds waited, bool keep_alive);
    void deliver(HttpResponse response, bool keep_alive);
    /// From the worker that made `response`: back to the I/O thread to write it, with --io-on-pool first
    /// through the pool's queue as one more work item.
    static void send_from_worker(std::shared_ptr<PoolConnection> self, HttpResponse response,
                                 bool keep_alive);
    /// Posts `response` to the I/O thread, which delivers it.
    static void hand_to_io(std::shared_ptr<PoolConnection> self, HttpResponse response, bool keep_alive);
    void write(std::string bytes, bool close_after, bool answers_request);
    void on_write(std::error_code ec, bool close_after, bool answers_request);
    void send_final(const HttpResponse& response);
    void linger_close();
    void arm_timer(TimerKind kind, std::chrono::milliseconds after);
    void cancel_timer();
    void on_timeout(TimerKind kind);

    asio::ip::tcp::socket socket_;
    asio::steady_timer timer_;
    ServerContext& context_;
    ConnectionManager& manager_;
    RequestParser parser_;
    /// Small on purpose (as server_async's): the parser accumulates, and per-connection memory stays about
    /// the same in both servers, so an RSS difference between them is threads, not buffers.
    std::array<char, 512> read_buffer_{};
    std::string input_;   ///< received bytes the parser has not consumed yet (pipelined requests wait here)
    std::string output_;  ///< the response being written
    TimerKind timer_kind_ = TimerKind::none;
    std::uint64_t timer_generation_ = 0;  ///< invalidates a timer handler already queued when re-armed
    bool reading_ = false;
    bool busy_ = false;         ///< a request (or a final error) is being answered; parsing waits
    bool peer_closed_ = false;  ///< the client sent EOF (or the read failed)
    bool used_pool_ = false;    ///< a request of this connection went to the pool (/metrics never does)
    bool closing_ = false;      ///< close after the current response (shutdown, or a final error)
    bool lingering_ = false;    ///< our side is half-closed; discarding input until the client closes
    bool closed_ = false;
    /// The request in the pool's queue or on a worker: set here (I/O thread) when its client leaves, read by
    /// the queue (--drop-abandoned) on a worker. A fresh flag per request: a late reader never sees the next.
    std::shared_ptr<std::atomic<bool>> abandoned_;
    std::size_t send_queue_ = 0;  ///< --io-on-pool: this connection's IOQueue (SendQueues::assign)
    /// --socket-engine: the item the accept loop queued for this connection (its first request may run
    /// there).
    std::shared_ptr<ConnectionItem> connection_item_;
};

}  // namespace slowio::sync
