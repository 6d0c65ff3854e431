#include "server_sync/SendQueues.hpp"

#include <algorithm>
#include <stdexcept>

namespace slowio::sync {

SendQueues::SendQueues(WorkerPool& pool, std::size_t count) : pool_(pool) {
    if (count == 0) throw std::invalid_argument("SendQueues: at least one queue");
    queues_.reserve(count);
    for (std::size_t i = 0; i < count; ++i) queues_.push_back(std::make_unique<Queue>());
}

std::size_t SendQueues::default_count() {
    return std::min<std::size_t>(usable_cores(), 16);
}

std::size_t SendQueues::assign() {
    return next_.fetch_add(1, std::memory_order_relaxed) % queues_.size();
}

void SendQueues::schedule(std::size_t index, Send send) {
    Queue& queue = *queues_.at(index);
    {
        std::lock_guard lock(queue.mutex);
        queue.sends.push_back(std::move(send));
        if (queue.scheduled) return;  // the pending drain item will run it
        queue.scheduled = true;
    }
    if (!pool_.try_submit([&queue] { drain(queue); })) drain(queue);
}

void SendQueues::drain(Queue& queue) {
    for (;;) {
        std::deque<Send> batch;
        {
            std::lock_guard lock(queue.mutex);
            if (queue.sends.empty()) {
                queue.scheduled = false;
                return;
            }
            batch.swap(queue.sends);
        }
        for (Send& send : batch) send();
    }
}

}  // namespace slowio::sync
