#include "server_async/ConnectionManager.hpp"

#include <asio/post.hpp>
#include <memory>
#include <vector>

#include "server_async/CoroutineConnection.hpp"

namespace slowio::async {

ConnectionManager::ConnectionManager(Metrics& metrics, std::size_t max_connections)
    : metrics_(metrics), max_(max_connections) {}

bool ConnectionManager::try_reserve() {
    std::size_t current = open_.load(std::memory_order_relaxed);
    do {
        if (current >= max_) return false;
    } while (!open_.compare_exchange_weak(current, current + 1, std::memory_order_relaxed));
    metrics_.connections_open().Increment();
    return true;
}

void ConnectionManager::release() {
    open_.fetch_sub(1, std::memory_order_relaxed);
    metrics_.connections_open().Decrement();
}

bool ConnectionManager::add(CoroutineConnection& c) {
    std::lock_guard lock(mutex_);
    if (stopping_) return false;
    c.prev_ = nullptr;
    c.next_ = head_;
    if (head_) head_->prev_ = &c;
    head_ = &c;
    c.listed_ = true;
    return true;
}

void ConnectionManager::remove(CoroutineConnection& c) {
    {
        std::lock_guard lock(mutex_);
        if (c.listed_) {
            if (c.prev_)
                c.prev_->next_ = c.next_;
            else
                head_ = c.next_;
            if (c.next_) c.next_->prev_ = c.prev_;
            c.listed_ = false;
        }
    }
    release();
}

void ConnectionManager::request_parsed() {
    metrics_.requests_in_flight().Increment();
}

void ConnectionManager::requests_settled(std::size_t n) {
    if (n > 0) metrics_.requests_in_flight().Decrement(static_cast<double>(n));
}

void ConnectionManager::stop_all() {
    std::vector<std::shared_ptr<CoroutineConnection>> live;
    {
        std::lock_guard lock(mutex_);
        stopping_ = true;
        for (CoroutineConnection* c = head_; c; c = c->next_) {
            // A connection whose last owner is gone is in its destructor, blocked on our mutex in remove():
            // lock() yields nullptr for it and we skip it.
            if (auto p = c->weak_from_this().lock()) live.push_back(std::move(p));
        }
    }
    // Tell each one on its own executor (its strand when K > 1): its state is only touched there.
    for (auto& c : live) {
        asio::post(c->executor(), [c] { c->on_server_stop(); });
    }
}

}  // namespace slowio::async
