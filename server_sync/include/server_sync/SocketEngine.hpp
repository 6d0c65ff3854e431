#pragma once
/// \file .NET's SocketAsyncEngine (Linux) for server_sync's --socket-engine: socket events reach the thread
/// pool through one engine work item at a time, which runs every event queued by then; the request's own item
/// is queued only when that engine item has run.

#include <atomic>
#include <deque>
#include <functional>
#include <mutex>

#include "server_sync/WorkerPool.hpp"

namespace slowio::sync {

/// On Linux, .NET's epoll thread runs no socket continuation: it queues each event and, unless one is already
/// requested, one work item on the thread pool's global queue (ScheduleToProcessEvents). That item, when a
/// worker runs it, clears the request, takes the first event, requests one more item before it handles
/// anything (so events can be handled in parallel), then handles every event it finds queued
/// (SocketAsyncEngine's IThreadPoolWorkItem.Execute, dotnet/runtime#35330). An event handled there is what
/// queues Kestrel's next item (the request loop's continuation, a connection's items). So a lone event costs
/// two completed items, a burst fewer than one each; and behind a backlog the request's item enters the queue
/// only when the engine item has come out of it.
class SocketEngine {
  public:
    /// A socket event's handling: queues the pool items it leads to. Runs on a worker thread (or on the
    /// thread that posted it when the pool refuses the engine's item).
    using Event = std::function<void()>;

    /// Engine items run on `pool`.
    explicit SocketEngine(WorkerPool& pool);

    /// Queues `event` and, unless one is requested already, the engine item (ScheduleToProcessEvents). When
    /// the pool refuses that item (queue limit, shutdown) the events queued so far are handled here, now: an
    /// event is never lost.
    void post(Event event);

  private:
    /// ScheduleToProcessEvents: submits the engine item unless one is requested; false if the pool refused it.
    bool schedule();

    /// The engine item (Execute): see the class comment.
    void execute();

    /// The next queued event, if any.
    bool take(Event& event);

    WorkerPool& pool_;
    std::mutex mutex_;
    std::deque<Event> events_;
    std::atomic<bool> requested_{false};  ///< _eventQueueProcessingRequested
};

}  // namespace slowio::sync
