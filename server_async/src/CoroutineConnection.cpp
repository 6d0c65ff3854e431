#include "server_async/CoroutineConnection.hpp"

#include <asio/co_spawn.hpp>
#include <asio/experimental/as_tuple.hpp>
#include <asio/experimental/awaitable_operators.hpp>
#include <asio/steady_timer.hpp>
#include <asio/use_awaitable.hpp>
#include <asio/write.hpp>

#include "core/HttpResponse.hpp"
#include "core/LingeringClose.hpp"
#include "core/Log.hpp"
#include "core/PeerGone.hpp"
#include "core/ServerResponses.hpp"
#include "server_async/ConnectionManager.hpp"
#include "server_async/Responder.hpp"
#include "server_async/UseNothrow.hpp"

namespace slowio::async {

namespace {

/// Pipelined responses queued beyond this are written without waiting for the rest of the batch.
constexpr std::size_t max_batch_bytes = 16 * 1024;

}  // namespace

CoroutineConnection::CoroutineConnection(asio::ip::tcp::socket socket, Responder& responder,
                                         ConnectionManager& manager, Metrics& metrics, Heartbeat& heartbeat,
                                         Settings settings)
    : socket_(std::move(socket)),
      timer_(socket_.get_executor()),
      responder_(responder),
      manager_(manager),
      metrics_(metrics),
      heartbeat_(heartbeat),
      settings_(settings) {
    std::error_code ignored;
    // Every response is one write; Nagle would hold back the tail of one that does not fit a segment.
    socket_.set_option(asio::ip::tcp::no_delay(true), ignored);
    // write() tries a direct send first and only falls back to async_write when the socket buffer is full.
    socket_.non_blocking(true, ignored);
}

CoroutineConnection::~CoroutineConnection() {
    manager_.remove(*this);
}

void CoroutineConnection::start() {
    if (!manager_.add(*this)) {
        // Accepted just as the server began to stop: nothing of this client's was taken on, close.
        std::error_code ignored;
        socket_.close(ignored);
        return;
    }
    deadline_ = clock::now() + settings_.keepalive;
    // The timer first: with K > 1 io threads serve() may start at once on another thread (the connection's
    // strand) and move the deadline while this thread, the acceptor's, would still be arming it (TSan found
    // the race). co_spawn's post to the strand orders everything above before serve().
    arm_timer();
    asio::co_spawn(socket_.get_executor(), serve(shared_from_this()), LogCoroutineFailure{"connection"});
}

void CoroutineConnection::on_server_stop() {
    stop_requested_ = true;
    // Idle (waiting for the first byte of the next request, nothing buffered): cancel the read, serve()
    // closes.
    if (phase_ == Phase::reading && !parser_.started() && begin_ == end_) {
        std::error_code ignored;
        socket_.cancel(ignored);
    }
}

void CoroutineConnection::set_deadline(clock::time_point deadline) {
    deadline_ = deadline;
    // Later deadlines are picked up when the timer fires; only an earlier one needs the timer re-armed now.
    if (deadline < armed_) timer_.cancel();
}

void CoroutineConnection::finish() {
    // Requests this connection took on and never answered (the client left, or the server stops without
    // them): no longer in flight.
    manager_.requests_settled(responses_queued_ + (handling_request_ ? 1 : 0));
    responses_queued_ = 0;
    handling_request_ = false;
    finished_ = true;
    timer_.cancel();
    std::error_code ignored;
    socket_.close(ignored);
}

void CoroutineConnection::arm_timer() {
    armed_ = deadline_;
    timer_.expires_at(armed_);
    // A plain completion handler, not a second coroutine: the pending wait costs one small operation, not a
    // frame. The handler owns a shared_ptr, so the connection outlives the wait; finish() cancels it.
    timer_.async_wait([self = shared_from_this()](std::error_code) { self->on_timer(); });
}

void CoroutineConnection::on_timer() {
    if (finished_) return;  // drops the handler's reference
    const auto now = clock::now();
    if (deadline_ <= now) {
        if (phase_ == Phase::handling || phase_ == Phase::closing) {
            // The store wait and the work are the server's time, not the client's; lingering_close has its
            // own bound. Look again one keep-alive period later.
            deadline_ = now + settings_.keepalive;
        } else {
            // Reading (idle or mid-request) or writing: cancel the pending operation; serve() sees
            // timed_out_.
            timed_out_ = true;
            deadline_ = now + settings_.keepalive;
            std::error_code ignored;
            socket_.cancel(ignored);
        }
    }
    arm_timer();  // also when the deadline moved (later, or earlier via set_deadline's cancel)
}

asio::awaitable<void> CoroutineConnection::serve(std::shared_ptr<CoroutineConnection> self) {
    // `self` lives in this frame: the connection stays alive until serve() is over. However serve() ends —
    // return, exception, or its frame destroyed unresumed with the io_context — the timer must be released.
    struct FinishOnExit {
        CoroutineConnection& c;
        ~FinishOnExit() {
            if (!c.finished_) c.finish();
        }
    } finish_on_exit{*self};
    // The steps that do not wait are plain functions: a pipelined request answered from the buffer makes no
    // coroutine call (one costs ~250 instructions, 6% of a pipelined GET /health).
    for (;;) {
        // 1. Read one request: from bytes already buffered (pipelining) first, then from the socket.
        if (!parse_buffered()) {
            const bool got_request = co_await read_request();
            if (!got_request) co_return;  // the client left or timed out, or the server stops
        }
        // 2. A request the codec refused (400/413/414/431/501/505): say why, then close.
        if (parser_.state() == RequestParser::State::error) {
            queue_final(parser_.error());
            break;
        }
        // 3. Route it: the response, or the store call or CPU work that makes it.
        Outcome outcome = start_request();  // in this frame, not perform()'s: see perform()
        if (!std::holds_alternative<HttpResponse>(outcome)) {
            const bool performed = co_await perform(outcome);
            if (!performed) co_return;
        }
        // 4. Queue the response; write it unless the next pipelined request is already here to join it.
        const bool keep_alive = queue_response(std::get<HttpResponse>(outcome));
        if (!keep_alive || !batching()) {
            const bool written = co_await flush();
            if (!written) co_return;
        }
        if (!keep_alive) break;
    }
    // 5. Write the last response (it says Connection: close) and linger so unread input cannot reset it.
    co_await close_gracefully();
}

bool CoroutineConnection::parse_buffered() {
    if (begin_ != end_) {
        const bool was_started = parser_.started();
        begin_ += parser_.consume(buffer_.data() + begin_, end_ - begin_);
        if (begin_ == end_) begin_ = end_ = 0;
        if (!was_started && parser_.started()) request_deadline_ = clock::now() + settings_.header;
    }
    return parser_.state() != RequestParser::State::need_more;
}

asio::awaitable<bool> CoroutineConnection::read_request() {
    phase_ = Phase::reading;
    do {
        std::error_code ec;
        std::size_t received = 0;
        const bool have_read = read_ahead(received, ec);
        // About to wait for the client, or to end: what is queued goes out first.
        if ((!have_read || ec) && !out_.empty()) {
            // Never co_await inside a condition: GCC 12 miscompiles it (SIGILL in the resumed frame).
            const bool written = co_await flush();
            if (!written) co_return false;
        }
        if (!have_read) {
            if (stop_requested_ && !parser_.started()) {
                finish();
                co_return false;
            }
            set_deadline(parser_.started() ? request_deadline_ : clock::now() + settings_.keepalive);
            // No structured bindings on co_await results: GCC 12 can misplace them in the frame.
            const auto read = co_await socket_.async_read_some(asio::buffer(buffer_), use_nothrow);
            ec = std::get<0>(read);
            received = std::get<1>(read);
        }
        if (ec) {
            co_await on_read_error(ec);
            co_return false;
        }
        timed_out_ = false;  // the deadline may have fired just after this read completed: stale
        begin_ = 0;
        end_ = received;
        last_read_full_ = received == buffer_.size();
    } while (!parse_buffered());
    co_return true;
}

bool CoroutineConnection::read_ahead(std::size_t& received, std::error_code& ec) {
    if (out_.empty() || !last_read_full_ || stop_requested_) return false;
    // Responses are queued and the last read filled the buffer: the client probably pipelined more than one
    // buffer holds. A non-blocking read takes the rest now, so its responses join the same write.
    received = socket_.read_some(asio::buffer(buffer_), ec);
    return ec != asio::error::would_block && ec != asio::error::try_again;
}

Outcome CoroutineConnection::start_request() {
    // The request is in flight (http_requests_in_flight, and what a graceful shutdown waits for) from here
    // until its response is written; finish() settles whatever is left unwritten. It stays in the parser (no
    // copy in a frame) until queue_response().
    manager_.request_parsed();
    handling_request_ = true;
    phase_ = Phase::handling;
    return responder_.handle(parser_.request());
}

asio::awaitable<bool> CoroutineConnection::perform(Outcome& outcome) {
    // This frame must stay smaller than read_request()'s: Asio's frame allocator then gives it the block
    // read_request() just freed, and the next read_request() takes it back. A larger one (holding the
    // Outcome) took a new block and left the freed one unused: ~290 B more per waiting connection.
    // This request waits (store) or works (CPU): the responses before it must not wait with it.
    if (!out_.empty()) {
        const bool written = co_await flush();
        if (!written) co_return false;
    }
    if (settings_.drop_abandoned && std::holds_alternative<StoreCall>(outcome)) {
        const bool completed = co_await complete_unless_abandoned(outcome);
        if (!completed) {  // the client left while the store wait ran: cancelled, nothing to answer
            metrics_.count_abandoned(Metrics::Abandoned::dropped);
            finish();  // settles this request
            co_return false;
        }
    } else {
        co_await responder_.complete(outcome);
    }
    // No read is pending during the wait (the next request is read after this response), so look now.
    if (peer_gone(socket_.native_handle())) metrics_.count_abandoned(Metrics::Abandoned::ran);
    co_return true;
}

asio::awaitable<bool> CoroutineConnection::complete_unless_abandoned(Outcome& outcome) {
    using namespace asio::experimental::awaitable_operators;
    // Whichever ends first cancels the other: the store wait (its timer ends early, its result unused) or
    // the watch on the socket.
    const auto first = co_await (responder_.complete(outcome) || watch_departure());
    co_return first.index() == 0;
}

asio::awaitable<void> CoroutineConnection::watch_departure() {
    const auto ready = co_await socket_.async_wait(asio::socket_base::wait_read, use_nothrow);
    if (std::get<0>(ready) || peer_gone(socket_.native_handle())) co_return;  // gone (or cancelled: unused)
    // Pipelined bytes, not a departure: nothing more can be learnt before they are read. Wait to be
    // cancelled.
    asio::steady_timer never(socket_.get_executor(), asio::steady_timer::time_point::max());
    co_await never.async_wait(use_nothrow);
}

bool CoroutineConnection::queue_response(const HttpResponse& response) {
    // During shutdown every response closes its connection, so draining ends.
    const bool keep_alive = keeps_alive(response, parser_.request().keep_alive) && !stop_requested_;
    serialize_to(out_, response, keep_alive, http_date());
    handling_request_ = false;
    ++responses_queued_;
    parser_.next();  // the request is gone from here on
    // Counted before the bytes leave, so a client that reads /metrics right after sees its response.
    metrics_.count_response(response.status);
    return keep_alive;
}

bool CoroutineConnection::batching() const {
    // The next pipelined request is here (or probably in the socket) and the batch is not too big yet.
    return (begin_ != end_ || last_read_full_) && out_.size() < max_batch_bytes;
}

asio::awaitable<void> CoroutineConnection::close_gracefully() {
    if (!out_.empty()) {
        const bool written = co_await flush();
        if (!written) co_return;
    }
    phase_ = Phase::closing;
    co_await lingering_close(socket_);
    finish();
}

asio::awaitable<void> CoroutineConnection::on_read_error(std::error_code ec) {
    if (timed_out_ && parser_.started()) {
        // Slowloris: headers started but not completed in time.
        metrics_.count_rejected("header_timeout");
        queue_final(header_timeout_response(settings_.header));
        co_await close_gracefully();
        co_return;
    }
    // Idle keep-alive timeout, shutdown of an idle connection, or the client went away (EOF, reset) —
    // possibly in the middle of a request, which is then simply dropped.
    if (!timed_out_ && !stop_requested_ && ec != asio::error::eof && ec != asio::error::connection_reset) {
        log(LogLevel::debug, "read failed: {}", ec.message());
    }
    finish();
}

void CoroutineConnection::queue_final(const HttpResponse& response) {
    // After any responses still queued for earlier pipelined requests, in order. Queued by a plain function
    // so that the caller's temporary `response` is gone before it awaits: in serve()'s frame it would be
    // held by every connection.
    serialize_to(out_, response, /*keep_alive=*/false, http_date());
    metrics_.count_response(response.status);
}

asio::awaitable<bool> CoroutineConnection::flush() {
    const Phase phase = phase_;
    // Fast path: one non-blocking send. The queued responses nearly always fit in the socket buffer, and
    // writing them here saves the trip through the scheduler that even a speculative async_write costs.
    std::error_code ec;
    std::size_t sent = socket_.write_some(asio::buffer(out_), ec);
    if (ec == asio::error::would_block || ec == asio::error::try_again) {
        ec.clear();
        sent = 0;
    }
    if (!ec && sent < out_.size()) {
        // Slow reader: wait for the rest, bounded by the keep-alive timeout (the deadline timer cancels on
        // expiry).
        phase_ = Phase::writing;
        set_deadline(clock::now() + settings_.keepalive);
        const auto written = co_await asio::async_write(
            socket_, asio::buffer(out_.data() + sent, out_.size() - sent), use_nothrow);
        ec = std::get<0>(written);
        phase_ = phase;
        // A request that started arriving behind these responses was parsed before this write: the time the
        // client took to read them is not its time to send headers.
        if (parser_.started()) request_deadline_ = clock::now() + settings_.header;
    }
    // Read-ahead ends with each write: the next read goes through the scheduler, so one client's long
    // pipeline holds the io thread for at most a batch (max_batch_bytes), never for as long as it keeps
    // sending.
    last_read_full_ = false;
    // Released, not kept: a connection waiting on the store or idle holds no output buffer. (Swap, not
    // `out_ = std::string()`: libstdc++'s move-assignment from a short string keeps the old capacity.)
    std::string().swap(out_);
    heartbeat_.beat();
    if (ec) {
        finish();  // settles the responses that did not leave
        co_return false;
    }
    manager_.requests_settled(responses_queued_);
    responses_queued_ = 0;
    timed_out_ = false;  // as after a read: a deadline that fired as the write completed is stale
    co_return true;
}

}  // namespace slowio::async
