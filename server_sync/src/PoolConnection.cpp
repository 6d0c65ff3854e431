#include "server_sync/PoolConnection.hpp"

#include <fmt/format.h>

#include <asio/post.hpp>
#include <asio/write.hpp>

#include "core/Handler.hpp"
#include "core/LingeringClose.hpp"
#include "core/Log.hpp"
#include "core/ServerResponses.hpp"
#include "server_sync/ConnectionManager.hpp"
#include "server_sync/Responder.hpp"

namespace slowio::sync {

namespace {
/// While a request is being answered we keep reading (to notice a client that goes away) but stop once this
/// much pipelined input is buffered: a client cannot make us hold more than this per connection.
constexpr std::size_t max_buffered_input = 64 * 1024;

/// --io-on-pool: the thread-pool items Kestrel's socket transport queues when a client ends its connection:
/// the receive loop's Input.Complete schedules the waiting ReadAsync continuation (the input pipe's reader
/// scheduler is PipeScheduler.ThreadPool), which finds the input completed and ends the connection, and
/// SocketConnection.FireConnectionClosed queues the ConnectionClosed callback. Each takes microseconds;
/// queued behind a backlog, the ones of clients that left together complete together (issue 29: the runtime's
/// trace read 2,008 completions/s when ~400 items of ~190 left connections completed at once).
constexpr int kestrel_connection_end_items = 2;
}  // namespace

PoolConnection::PoolConnection(asio::ip::tcp::socket socket, ServerContext& context,
                               ConnectionManager& manager, std::shared_ptr<ConnectionItem> item)
    : socket_(std::move(socket)),
      timer_(socket_.get_executor()),
      context_(context),
      manager_(manager),
      connection_item_(std::move(item)) {
    if (context_.send_queues != nullptr) send_queue_ = context_.send_queues->assign();
    context_.connection_opened();
}

PoolConnection::~PoolConnection() {
    // Only reached with the socket still open if the I/O loop was torn down around us.
    if (connection_item_ != nullptr) connection_item_->expect_none();
    if (!closed_) context_.connection_closed();
}

void PoolConnection::start() {
    arm_timer(TimerKind::idle, std::chrono::milliseconds(context_.options.keepalive_timeout_ms));
    read_more();
}

void PoolConnection::stop() {
    closing_ = true;
    if (!busy_) close();
}

void PoolConnection::close() {
    if (closed_) return;
    closed_ = true;
    cancel_timer();
    if (connection_item_ != nullptr) connection_item_->expect_none();
    std::error_code ignored;
    socket_.close(ignored);
    context_.connection_closed();
    manager_.remove(shared_from_this());
}

void PoolConnection::read_more() {
    if (reading_ || closed_ || peer_closed_) return;
    if (!lingering_ && input_.size() >= max_buffered_input) return;  // resumes after the response
    reading_ = true;
    socket_.async_read_some(
        asio::buffer(read_buffer_),
        [self = shared_from_this()](std::error_code ec, std::size_t n) { self->on_read(ec, n); });
}

void PoolConnection::on_read(std::error_code ec, std::size_t bytes) {
    reading_ = false;
    if (closed_) return;
    if (lingering_) {
        if (ec) {
            close();
        } else {
            read_more();  // discard
        }
        return;
    }
    if (ec) {
        // EOF or reset. With a request in flight the worker still runs (as Kestrel's would); its response is
        // written if the socket still takes it, then we close. Otherwise there is nothing to finish.
        peer_closed_ = true;
        if (abandoned_) abandoned_->store(true);  // the request it sent is now answered to no one
        if (context_.send_queues != nullptr && used_pool_) queue_connection_end_items();
        if (!busy_) close();
        return;
    }
    input_.append(read_buffer_.data(), bytes);
    if (busy_) {
        read_more();
    } else {
        process();
    }
    // A request these bytes made was offered by now; if they made none, none is coming for the item, which
    // then takes no later one either: the connection is done with it, and reads take no lock.
    if (connection_item_ != nullptr) {
        connection_item_->expect_none();
        connection_item_.reset();
    }
}

void PoolConnection::queue_connection_end_items() {
    // Empty items: what they model is their place in the pool's queue and their count as completions. A
    // refused one (queue limit, shutdown) loses nothing. Only for a connection whose requests used the pool:
    // /metrics is answered on the I/O thread, off the pool, and so is its scrapers' coming and going.
    const auto queue_them = [&pool = context_.pool] {
        for (int i = 0; i < kestrel_connection_end_items; ++i) (void)pool.try_submit([] {});
    };
    // With --socket-engine they come from the engine event that read the end (the receive that returned 0).
    if (context_.socket_engine != nullptr) {
        context_.socket_engine->post(queue_them);
    } else {
        queue_them();
    }
}

void PoolConnection::process() {
    if (closed_ || busy_) return;
    if (!input_.empty()) {
        const std::size_t used = parser_.consume(input_.data(), input_.size());
        input_.erase(0, used);
    }
    switch (parser_.state()) {
        case RequestParser::State::complete:
            cancel_timer();
            dispatch(parser_.take());
            return;
        case RequestParser::State::error:
            cancel_timer();
            send_final(parser_.error());
            return;
        case RequestParser::State::need_more:
            break;
    }
    if (peer_closed_ || closing_) {  // a partial request from a client that left, or we are shutting down
        close();
        return;
    }
    if (parser_.started()) {
        // Armed once per request, never pushed back by later bytes: a slowloris trickle cannot extend it.
        if (timer_kind_ != TimerKind::header) {
            arm_timer(TimerKind::header, std::chrono::milliseconds(context_.options.header_timeout_ms));
        }
    } else if (timer_kind_ != TimerKind::idle) {
        arm_timer(TimerKind::idle, std::chrono::milliseconds(context_.options.keepalive_timeout_ms));
    }
    read_more();
}

void PoolConnection::dispatch(HttpRequest request) {
    busy_ = true;
    context_.request_started();
    const bool keep_alive = request.keep_alive;
    if (Handler::is_metrics(request)) {
        // On the I/O thread, not queued behind blocked workers: the one route that must answer during
        // starvation.
        Outcome outcome = context_.app.handler.handle(request);
        deliver(std::move(std::get<HttpResponse>(outcome)), keep_alive);
        read_more();
        return;
    }
    if (context_.socket_engine != nullptr) {
        submit_through_engine(work_item(std::move(request), keep_alive), keep_alive);
    } else if (!context_.pool.try_submit(work_item(std::move(request), keep_alive))) {
        on_refused(keep_alive);
    }
    used_pool_ = true;
    read_more();  // keep watching the socket: a client that leaves mid-wait is noticed
}

void PoolConnection::submit_through_engine(WorkerPool::Item item, bool keep_alive) {
    SocketEngine& engine = *context_.socket_engine;
    WorkerPool& pool = context_.pool;
    // A connection's first request runs in its KestrelConnection item, which the accept loop queued, if its
    // bytes were in the socket when the loop accepted it (ConnectionItem).
    if (!used_pool_ && connection_item_ != nullptr && connection_item_->offer(item)) return;
    // Otherwise, as any later request: the receive's engine event wakes the request loop (the input pipe's
    // reader scheduler is the thread pool), so the request's item is queued only then, from the worker that
    // runs the engine item.
    auto pending = std::make_shared<WorkerPool::Item>(std::move(item));  // std::function's captures copy
    engine.post([self = shared_from_this(), &pool, pending, keep_alive] {
        if (pool.try_submit(std::move(*pending))) return;
        asio::post(self->context_.io, [self, keep_alive] { self->on_refused(keep_alive); });
    });
}

void PoolConnection::on_refused(bool keep_alive) {
    abandoned_.reset();
    if (context_.stopping) {
        deliver(shutting_down_response(), keep_alive);
    } else {
        context_.app.metrics.count_rejected("queue_full");
        deliver(queue_full_response(context_.pool.queued()), keep_alive);
    }
}

WorkerPool::Item PoolConnection::work_item(HttpRequest request, bool keep_alive) {
    abandoned_ = std::make_shared<std::atomic<bool>>(peer_closed_);
    WorkerPool::Item item;
    item.abandoned = abandoned_;
    item.task = [self = shared_from_this(), request = std::move(request), keep_alive]() mutable {
        HttpResponse response = self->context_.responder.respond(request);
        send_from_worker(std::move(self), std::move(response), keep_alive);
    };
    // Shed (CoDel) or dropped (--drop-abandoned) by the queue instead of run: answered on the I/O thread.
    item.discard = [self = shared_from_this(), keep_alive,
                    enqueued = std::chrono::steady_clock::now()](RequestQueue::Discard why) {
        const auto waited = std::chrono::duration_cast<std::chrono::milliseconds>(
            std::chrono::steady_clock::now() - enqueued);
        asio::post(self->context_.io,
                   [self, why, waited, keep_alive] { self->on_discarded(why, waited, keep_alive); });
    };
    return item;
}

void PoolConnection::send_from_worker(std::shared_ptr<PoolConnection> self, HttpResponse response,
                                      bool keep_alive) {
    SendQueues* queues = self->context_.send_queues;
    if (queues == nullptr) return hand_to_io(std::move(self), std::move(response), keep_alive);
    // Kestrel's shape: the send waits on the connection's IOQueue, whose one work item on the pool queues
    // behind the requests there and sends everything queued on it when it runs; it counts as a completed
    // work item (hill climbing's input). Never shed nor dropped: a finished response must go out.
    const std::size_t queue = self->send_queue_;
    auto pending = std::make_shared<HttpResponse>(std::move(response));  // std::function's captures copy
    queues->schedule(queue, [self = std::move(self), pending, keep_alive] {
        hand_to_io(self, std::move(*pending), keep_alive);
    });
}

void PoolConnection::hand_to_io(std::shared_ptr<PoolConnection> self, HttpResponse response,
                                bool keep_alive) {
    asio::io_context& io = self->context_.io;
    // The worker keeps no reference to the connection afterwards.
    asio::post(io, [self = std::move(self), response = std::move(response), keep_alive]() mutable {
        self->deliver(std::move(response), keep_alive);
    });
}

void PoolConnection::on_discarded(RequestQueue::Discard why, std::chrono::milliseconds waited,
                                  bool keep_alive) {
    if (why == RequestQueue::Discard::shed) {
        abandoned_.reset();  // answered with a 503, not run: neither outcome of an abandoned request
        context_.app.metrics.count_rejected("codel");
        deliver(queue_overloaded_response(waited), keep_alive);
        return;
    }
    // Dropped: its client is gone, so there is no one to answer (nginx's 499); finish it and close.
    context_.app.metrics.count_abandoned(Metrics::Abandoned::dropped);
    abandoned_.reset();
    context_.request_finished();
    busy_ = false;
    close();
}

void PoolConnection::deliver(HttpResponse response, bool keep_alive) {
    if (abandoned_ && abandoned_->load()) context_.app.metrics.count_abandoned(Metrics::Abandoned::ran);
    abandoned_.reset();
    if (closed_) {  // the connection was torn down while the worker ran
        context_.request_finished();
        return;
    }
    const bool keep = keeps_alive(response, keep_alive) && !closing_ && !peer_closed_ && !context_.stopping;
    context_.app.metrics.count_response(response.status);
    write(serialize(response, keep, http_date()), !keep, /*answers_request=*/true);
}

void PoolConnection::send_final(const HttpResponse& response) {
    busy_ = true;
    closing_ = true;
    context_.app.metrics.count_response(response.status);
    write(serialize(response, false, http_date()), /*close_after=*/true, /*answers_request=*/false);
}

void PoolConnection::write(std::string bytes, bool close_after, bool answers_request) {
    output_ = std::move(bytes);
    asio::async_write(
        socket_, asio::buffer(output_),
        [self = shared_from_this(), close_after, answers_request](std::error_code ec, std::size_t) {
            self->on_write(ec, close_after, answers_request);
        });
}

void PoolConnection::on_write(std::error_code ec, bool close_after, bool answers_request) {
    if (answers_request) context_.request_finished();
    if (closed_) return;
    if (ec) {
        log(LogLevel::debug, "write failed: {}", ec.message());
        close();
        return;
    }
    if (close_after) {
        linger_close();
        return;
    }
    busy_ = false;
    if (closing_ || peer_closed_) {
        close();
        return;
    }
    process();  // the next pipelined request, or wait for one
}

void PoolConnection::linger_close() {
    // core's lingering close (see LingeringClose.hpp for why), as a state of this callback-driven connection:
    // the read that watches for a departing client may be pending here, and it becomes the discarding read.
    lingering_ = true;
    std::error_code ignored;
    socket_.shutdown(asio::socket_base::shutdown_send, ignored);
    input_.clear();
    arm_timer(TimerKind::linger, lingering_close_timeout);
    if (peer_closed_) {
        close();
        return;
    }
    read_more();
}

void PoolConnection::arm_timer(TimerKind kind, std::chrono::milliseconds after) {
    timer_kind_ = kind;
    const std::uint64_t generation = ++timer_generation_;
    timer_.expires_after(after);
    timer_.async_wait([self = shared_from_this(), generation, kind](std::error_code ec) {
        if (ec || self->closed_ || generation != self->timer_generation_) return;
        self->on_timeout(kind);
    });
}

void PoolConnection::cancel_timer() {
    timer_kind_ = TimerKind::none;
    ++timer_generation_;
    timer_.cancel();
}

void PoolConnection::on_timeout(TimerKind kind) {
    timer_kind_ = TimerKind::none;
    switch (kind) {
        case TimerKind::idle:
        case TimerKind::linger:
            close();
            return;
        case TimerKind::header: {
            if (busy_) return;
            context_.app.metrics.count_rejected("header_timeout");
            send_final(
                header_timeout_response(std::chrono::milliseconds(context_.options.header_timeout_ms)));
            return;
        }
        case TimerKind::none:
            return;
    }
}

}  // namespace slowio::sync
