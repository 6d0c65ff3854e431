#include "server_sync/SocketEngine.hpp"

namespace slowio::sync {

SocketEngine::SocketEngine(WorkerPool& pool) : pool_(pool) {}

void SocketEngine::post(Event event) {
    {
        std::lock_guard lock(mutex_);
        events_.push_back(std::move(event));
    }
    if (schedule()) return;
    // Refused: the engine item will not come, so nothing is requested any more and the events run here.
    requested_.store(false);
    Event pending;
    while (take(pending)) pending();
}

bool SocketEngine::schedule() {
    bool expected = false;
    if (!requested_.compare_exchange_strong(expected, true)) return true;  // the requested item will run it
    return pool_.try_submit([this] { execute(); });
}

void SocketEngine::execute() {
    // Cleared before the first dequeue: an event posted after this point either is found below or requests
    // the next item itself, so none waits for an item that will not come.
    requested_.store(false);
    Event event;
    if (!take(event)) return;
    // Another item before handling anything, as .NET's does; a refused one changes nothing here, since this
    // item handles every event it finds.
    if (!schedule()) requested_.store(false);
    do {
        event();
    } while (take(event));
}

bool SocketEngine::take(Event& event) {
    std::lock_guard lock(mutex_);
    if (events_.empty()) return false;
    event = std::move(events_.front());
    events_.pop_front();
    return true;
}

}  // namespace slowio::sync
