#pragma once
/// \file One client connection served by a coroutine: read, parse, respond, in order, until close.

#include <array>
#include <asio/awaitable.hpp>
#include <asio/ip/tcp.hpp>
#include <asio/steady_timer.hpp>
#include <chrono>
#include <memory>
#include <string>
#include <system_error>

#include "core/Handler.hpp"
#include "core/Metrics.hpp"
#include "core/RequestParser.hpp"
#include "server_async/Heartbeat.hpp"

namespace slowio::async {

class ConnectionManager;
class Responder;

/// A keep-alive HTTP/1.1 connection.
///
/// Everything runs on the socket's executor (the io_context itself when K = 1, a per-connection strand when
/// K > 1, so nothing here runs concurrently):
/// - serve(), a coroutine looping over one request's steps: reads into a small fixed buffer, feeds
///   core's RequestParser, answers each complete request in order, and ends the connection on EOF, error,
///   `Connection: close`, a parser error, a timeout or server shutdown. Pipelined requests already received
///   are answered before anything is written, and their responses leave in one write (one send per batch, not
///   per response); whatever is queued is written before serve() waits for anything (the client, the store,
///   CPU work), so batching never delays a response.
/// - the deadline timer (arm_timer/on_timer, a plain completion handler): one timer per connection enforcing
///   a single moving deadline — keep-alive idle timeout while waiting for a request, header timeout once a
///   request has started, write timeout while a response is stuck. Moving the deadline later is a plain
///   store (the timer re-arms when it fires), so the fast path never touches the timer; only an earlier
///   deadline cancels it.
///
/// Lifetime: serve() takes a shared_ptr to the connection as a parameter (it lives in the frame) and the
/// pending timer wait holds another; the connection dies when serve() is over and finish() cancelled the
/// timer. Memory per idle connection is this object (including the 256-byte read buffer and the parser), two
/// coroutine frames (serve()'s and read_request()'s) and two pending operations — no thread, no stack.
class CoroutineConnection : public std::enable_shared_from_this<CoroutineConnection> {
  public:
    /// What the common flags say about one connection.
    struct Settings {
        std::chrono::milliseconds header;  ///< --header-timeout-ms: a started request must complete
        /// --keepalive-timeout-ms: idle wait; also bounds a stuck write
        std::chrono::milliseconds keepalive;
        bool drop_abandoned = false;  ///< --drop-abandoned: a store wait whose client left is cancelled
    };

    /// `socket` is connected; its slot in `manager` is already reserved (released by the destructor). All
    /// references must outlive the io_context's run.
    CoroutineConnection(asio::ip::tcp::socket socket, Responder& responder, ConnectionManager& manager,
                        Metrics& metrics, Heartbeat& heartbeat, Settings settings);
    ~CoroutineConnection();
    CoroutineConnection(const CoroutineConnection&) = delete;
    CoroutineConnection& operator=(const CoroutineConnection&) = delete;

    /// Registers with the manager, spawns serve() and arms the deadline timer. Closes at once if the server
    /// is stopping.
    void start();
    /// Server shutdown (run on executor()): an idle connection closes now; one with a request in progress
    /// finishes it and answers with `Connection: close`.
    void on_server_stop();
    /// The executor both coroutines run on.
    asio::any_io_executor executor() { return socket_.get_executor(); }

  private:
    friend class ConnectionManager;  // the intrusive list hooks below
    using clock = std::chrono::steady_clock;
    enum class Phase { reading, handling, writing, closing };

    asio::awaitable<void> serve(std::shared_ptr<CoroutineConnection> self);
    /// Feeds the parser the bytes already buffered; true once it holds a complete request or a codec error.
    bool parse_buffered();
    /// Reads until parse_buffered() is true, writing what is queued before waiting on the socket. False: the
    /// connection is over (EOF, error, timeout, shutdown) and finish() ran.
    asio::awaitable<bool> read_request();
    /// A non-blocking read of input pipelined behind a full buffer, only while responses are queued, so that
    /// they leave in one write with the ones it brings. True when it read something or failed (`ec`).
    bool read_ahead(std::size_t& received, std::error_code& ec);
    /// The parsed request is now in flight: what the handler makes of it.
    Outcome start_request();
    /// Performs a StoreCall or CpuWork, writing what is queued first; `outcome` becomes the response. False:
    /// a write failed and finish() ran.
    asio::awaitable<bool> perform(Outcome& outcome);
    /// --drop-abandoned: the store wait, unless the client leaves first (then false: it was cancelled).
    asio::awaitable<bool> complete_unless_abandoned(Outcome& outcome);
    /// Ends when the socket shows the client left (EOF, reset); pipelined bytes: only when cancelled.
    asio::awaitable<void> watch_departure();
    /// Serializes `response` to the parsed request into out_ and lets the parser go on. Whether the
    /// connection stays open after it (never during shutdown).
    bool queue_response(const HttpResponse& response);
    /// The response just queued waits for the next pipelined request's to leave in the same write.
    bool batching() const;
    /// Writes what is queued (the final response), then core's lingering close, then finish().
    asio::awaitable<void> close_gracefully();
    void arm_timer();
    void on_timer();
    asio::awaitable<void> on_read_error(std::error_code ec);
    /// Queues `response` as the connection's last (Connection: close); close_gracefully() writes it.
    void queue_final(const HttpResponse& response);
    asio::awaitable<bool> flush();
    void set_deadline(clock::time_point deadline);
    void finish();

    asio::ip::tcp::socket socket_;
    asio::steady_timer timer_;
    Responder& responder_;
    ConnectionManager& manager_;
    Metrics& metrics_;
    Heartbeat& heartbeat_;
    Settings settings_;

    RequestParser parser_;
    /// small on purpose: the parser accumulates, big requests take more reads
    std::array<char, 256> buffer_;
    std::size_t begin_ = 0;  ///< unparsed bytes are buffer_[begin_, end_) (pipelined requests)
    std::size_t end_ = 0;
    bool last_read_full_ = false;  ///< the last read filled buffer_: more is probably waiting in the socket
    std::string out_;  ///< responses serialized, not yet written; released after each write (idle costs 0)

    Phase phase_ = Phase::reading;
    clock::time_point deadline_;          ///< the one deadline the timer enforces
    clock::time_point armed_;             ///< what timer_ is currently set to
    clock::time_point request_deadline_;  ///< header timeout of the request being received
    bool timed_out_ = false;              ///< the deadline fired: the pending socket operation was cancelled
    bool stop_requested_ = false;         ///< server shutdown
    bool finished_ = false;               ///< serve() is done: the timer must not re-arm
    /// A parsed request is being handled (counted in ConnectionManager::requests_in_flight()).
    bool handling_request_ = false;
    /// Responses in out_, not yet written (their requests are still in flight).
    std::uint32_t responses_queued_ = 0;

    CoroutineConnection* prev_ = nullptr;  ///< ConnectionManager's list
    CoroutineConnection* next_ = nullptr;
    bool listed_ = false;
};

}  // namespace slowio::async
