#pragma once
/// \file Routes and responses, transport-free: the handler never touches a socket or a thread.
/// handle() returns a finished response, or the slow call a server must perform its own way
/// (block a worker / await a timer / offload), after which finish() renders the response.

#include <cstdint>
#include <variant>

#include "core/CpuWork.hpp"
#include "core/HttpRequest.hpp"
#include "core/HttpResponse.hpp"
#include "core/SlowStore.hpp"

namespace slowio {

class JobQueue;
class Metrics;

/// What handle() decided: answer now, wait on the store, or do CPU work.
using Outcome = std::variant<HttpResponse, StoreCall, CpuWork>;

/// The request handler both servers share.
class Handler {
  public:
    /// Both references must outlive the handler. The handler never calls the store: performing the
    /// StoreCall is the server's job.
    Handler(JobQueue& jobs, Metrics& metrics);

    /// Routes `request`. Cheap (no I/O, no waiting) except GET /metrics, which renders the registry.
    Outcome handle(const HttpRequest& request);
    /// Renders the response of GET /users/{id} once the store call completed.
    HttpResponse finish(const StoreCall& call, const StoreResult& result) const;
    /// Renders the response of POST /work once the work ran.
    HttpResponse finish(const CpuWork& work, std::uint64_t digest) const;

    /// True for GET /metrics: servers answer it without queueing so starvation stays observable.
    static bool is_metrics(const HttpRequest& request);

  private:
    /// POST /jobs: 202 + Location, or 503 when the queue is full.
    HttpResponse post_job(const HttpRequest& request);
    /// GET /jobs/{id}: the job's status and result.
    HttpResponse get_job(const HttpRequest& request);
    JobQueue& jobs_;
    Metrics& metrics_;
};

}  // namespace slowio
