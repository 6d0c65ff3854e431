#include "server_async/CoroutineConnection.hpp"

#include <asio/co_spawn.hpp>
#include <asio/experimental/as_tuple.hpp>
#include <asio/use_awaitable.hpp>
#include <asio/write.hpp>

#include "core/HttpResponse.hpp"
#include "core/LingeringClose.hpp"
#include "core/Log.hpp"
#include "core/ServerResponses.hpp"
#include "server_async/ConnectionManager.hpp"
#include "server_async/Responder.hpp"

namespace slowio::async {

namespace {

/// Completion token: errors come back as values (std::error_code at the I/O edge), never as exceptions.
constexpr auto use_nothrow = asio::experimental::as_tuple(asio::use_awaitable);

/// Pipelined responses queued beyond this are written without waiting for the rest of the batch.
constexpr std::size_t max_batch_bytes = 16 * 1024;

}  // namespace

CoroutineConnection::CoroutineConnection(asio::ip::tcp::socket socket, Responder& responder,
                                         ConnectionManager& manager, Metrics& metrics, Heartbeat& heartbeat,
                                         Timeouts timeouts)
    : socket_(std::move(socket)),
      timer_(socket_.get_executor()),
      responder_(responder),
      manager_(manager),
      metrics_(metrics),
      heartbeat_(heartbeat),
      timeouts_(timeouts) {
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
    deadline_ = clock::now() + timeouts_.keepalive;
    asio::co_spawn(socket_.get_executor(), serve(shared_from_this()), LogCoroutineFailure{"connection"});
    arm_timer();
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
            deadline_ = now + timeouts_.keepalive;
        } else {
            // Reading (idle or mid-request) or writing: cancel the pending operation; serve() sees
            // timed_out_.
            timed_out_ = true;
            deadline_ = now + timeouts_.keepalive;
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
    for (;;) {
        // 1. One complete request: from bytes already buffered (pipelining) first, then from the socket.
        phase_ = Phase::reading;
        while (parser_.state() == RequestParser::State::need_more) {
            if (begin_ == end_) {
                std::error_code ec;
                std::size_t received = 0;
                bool have_read = false;
                if (!out_.empty() && last_read_full_ && !stop_requested_) {
                    // Responses are queued and the last read filled the buffer: the client probably pipelined
                    // more than one buffer holds. A non-blocking read takes the rest now, so its responses
                    // join the same write.
                    received = socket_.read_some(asio::buffer(buffer_), ec);
                    have_read = ec != asio::error::would_block && ec != asio::error::try_again;
                }
                // About to wait for the client, or to end: what is queued goes out first.
                if ((!have_read || ec) && !out_.empty()) {
                    // Never co_await inside a condition: GCC 12 miscompiles it (SIGILL in the resumed frame).
                    const bool written = co_await flush();
                    if (!written) co_return;
                }
                if (!have_read) {
                    if (stop_requested_ && !parser_.started()) {
                        finish();
                        co_return;
                    }
                    set_deadline(parser_.started() ? request_deadline_ : clock::now() + timeouts_.keepalive);
                    // No structured bindings on co_await results: GCC 12 can misplace them in the frame.
                    const auto read = co_await socket_.async_read_some(asio::buffer(buffer_), use_nothrow);
                    ec = std::get<0>(read);
                    received = std::get<1>(read);
                }
                if (ec) {
                    co_await on_read_error(ec);
                    co_return;
                }
                timed_out_ = false;  // the deadline may have fired just after this read completed: stale
                begin_ = 0;
                end_ = received;
                last_read_full_ = received == buffer_.size();
            }
            const bool was_started = parser_.started();
            begin_ += parser_.consume(buffer_.data() + begin_, end_ - begin_);
            if (begin_ == end_) begin_ = end_ = 0;
            if (!was_started && parser_.started()) request_deadline_ = clock::now() + timeouts_.header;
        }
        if (parser_.state() == RequestParser::State::error) {
            // 400/413/414/431/501/505 from the codec: answer why, then close (the response says Connection:
            // close).
            co_await send_final(parser_.error());
            co_return;
        }

        // 2. Respond. The request is in flight (http_requests_in_flight, and what a graceful shutdown waits
        // for) from here until its response is written; finish() settles whatever is left unwritten. It
        // stays in the parser (no copy in this frame) until parser_.next().
        bool keep_alive = false;
        {
            manager_.request_parsed();
            handling_request_ = true;
            phase_ = Phase::handling;
            const HttpRequest& request = parser_.request();
            Outcome outcome = responder_.handle(request);
            if (!std::holds_alternative<HttpResponse>(outcome)) {
                // This request waits (store) or works (CPU): the responses before it must not wait with it.
                if (!out_.empty()) {
                    const bool written = co_await flush();
                    if (!written) co_return;
                }
                co_await responder_.complete(outcome);
            }
            const HttpResponse& response = std::get<HttpResponse>(outcome);
            // During shutdown every response closes its connection, so draining ends.
            keep_alive = keeps_alive(response, request.keep_alive) && !stop_requested_;
            serialize_to(out_, response, keep_alive, http_date());
            handling_request_ = false;
            ++responses_queued_;
            parser_.next();  // `request` is gone from here on
            // Counted before the bytes leave, so a client that reads /metrics right after sees its response.
            metrics_.count_response(response.status);
            // The next pipelined request, if already here, is answered first; its response joins this one.
            const bool more_input = begin_ != end_ || last_read_full_;
            if (!keep_alive || !more_input || out_.size() >= max_batch_bytes) {
                const bool written = co_await flush();
                if (!written) co_return;
            }
        }
        if (!keep_alive) {
            phase_ = Phase::closing;
            co_await lingering_close(socket_);
            finish();
            co_return;
        }
    }
}

asio::awaitable<void> CoroutineConnection::on_read_error(std::error_code ec) {
    if (timed_out_ && parser_.started()) {
        // Slowloris: headers started but not completed in time.
        metrics_.count_rejected("header_timeout");
        co_await send_final(header_timeout_response(timeouts_.header));
        co_return;
    }
    // Idle keep-alive timeout, shutdown of an idle connection, or the client went away (EOF, reset) —
    // possibly in the middle of a request, which is then simply dropped.
    if (!timed_out_ && !stop_requested_ && ec != asio::error::eof && ec != asio::error::connection_reset) {
        log(LogLevel::debug, "read failed: {}", ec.message());
    }
    finish();
}

asio::awaitable<void> CoroutineConnection::send_final(const HttpResponse& response) {
    // After any responses still queued for earlier pipelined requests, in order.
    serialize_to(out_, response, /*keep_alive=*/false, http_date());
    metrics_.count_response(response.status);
    const bool written = co_await flush();
    if (written) {
        phase_ = Phase::closing;
        co_await lingering_close(socket_);
        finish();
    }
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
        set_deadline(clock::now() + timeouts_.keepalive);
        const auto written = co_await asio::async_write(
            socket_, asio::buffer(out_.data() + sent, out_.size() - sent), use_nothrow);
        ec = std::get<0>(written);
        phase_ = phase;
        // A request that started arriving behind these responses was parsed before this write: the time the
        // client took to read them is not its time to send headers.
        if (parser_.started()) request_deadline_ = clock::now() + timeouts_.header;
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
