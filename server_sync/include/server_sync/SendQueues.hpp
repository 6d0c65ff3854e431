#pragma once
/// \file Kestrel's IOQueue for server_sync's --io-on-pool: the sends of finished requests run as work items
/// on the WorkerPool, one pending item per queue, each draining every send queued on it when it runs.

#include <atomic>
#include <cstddef>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <vector>

#include "server_sync/WorkerPool.hpp"

namespace slowio::sync {

/// Kestrel's socket transport (SocketConnectionContextFactory) gives each connection one of
/// min(ProcessorCount, 16) IOQueues, round robin; a response's send is scheduled on its connection's queue,
/// and a queue that holds sends has exactly one work item on .NET's thread pool, which runs every send queued
/// by the time it gets a thread (IOQueue.Execute). So the sends of many finished requests cost one pass of
/// the pool's queue and one completed work item, not one each — which hill climbing and throughput both see.
class SendQueues {
  public:
    /// One send: hands a response to the I/O thread. Runs on a worker thread.
    using Send = std::function<void()>;

    /// `count` queues (Kestrel: min(cores, 16)) whose drain items run on `pool`.
    SendQueues(WorkerPool& pool, std::size_t count);

    /// Kestrel's IOQueueCount for this process: min(usable_cores(), 16).
    static std::size_t default_count();

    /// The queue for a new connection: round robin, as Kestrel assigns its connections.
    std::size_t assign();

    /// Queues `send` on queue `index` and, unless that queue already has one, a drain item on the pool.
    /// When the pool refuses the item (queue limit, shutdown) the caller drains the queue itself, now: a
    /// finished response is never lost.
    void schedule(std::size_t index, Send send);

  private:
    /// One IOQueue. `scheduled`: a drain item is on the pool or running (IOQueue._doingWork).
    struct Queue {
        std::mutex mutex;
        std::deque<Send> sends;
        bool scheduled = false;
    };

    /// Runs the queue's sends until it is empty, then clears `scheduled` under the same lock, so a send
    /// queued meanwhile either runs in this pass or schedules the next item.
    static void drain(Queue& queue);

    WorkerPool& pool_;
    std::vector<std::unique_ptr<Queue>> queues_;  // unique_ptr: a mutex does not move
    std::atomic<std::size_t> next_{0};
};

}  // namespace slowio::sync
