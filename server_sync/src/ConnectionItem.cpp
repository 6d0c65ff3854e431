#include "server_sync/ConnectionItem.hpp"

#include <sys/socket.h>

#include <chrono>

namespace slowio::sync {

namespace {
/// Generous: the I/O thread parses a request already in the socket within microseconds, milliseconds when
/// busy. Bounded so that an I/O thread torn down before it adopted the socket (a shutdown) frees the worker.
constexpr auto max_wait_for_request = std::chrono::seconds(2);
}  // namespace

bool bytes_waiting(int fd) {
    char byte = 0;
    return ::recv(fd, &byte, 1, MSG_PEEK | MSG_DONTWAIT) > 0;
}

ConnectionItem::ConnectionItem(bool request_in_socket) : expecting_(request_in_socket) {}

void ConnectionItem::run() {
    std::unique_lock lock(mutex_);
    // Kestrel's item would find the request in its input pipe; ours may still be on its way through the I/O
    // thread.
    changed_.wait_for(lock, max_wait_for_request, [this] { return request_.has_value() || !expecting_; });
    ran_ = true;
    expecting_ = false;
    if (!request_) return;
    WorkerPool::Item request = std::move(*request_);
    request_.reset();
    lock.unlock();
    request.task();  // inline: the queue saw this item, not the request, so nothing sheds or drops it
}

bool ConnectionItem::offer(WorkerPool::Item& request) {
    std::lock_guard lock(mutex_);
    if (!expecting_ || ran_) return false;
    request_ = std::move(request);
    changed_.notify_all();
    return true;
}

void ConnectionItem::expect_none() {
    std::lock_guard lock(mutex_);
    expecting_ = false;  // a request offered before this still runs: run() takes request_ first
    changed_.notify_all();
}

void ConnectionItem::refused() {
    std::lock_guard lock(mutex_);
    expecting_ = false;
    ran_ = true;
}

}  // namespace slowio::sync
