#pragma once
/// \file server_sync's way of performing what the handler asks for: on the calling thread, blocking it (the
/// synchronous controller action). server_async's Responder is the awaiting counterpart.

#include "core/Application.hpp"
#include "core/HttpRequest.hpp"
#include "core/HttpResponse.hpp"

namespace slowio::sync {

/// Answers requests on whichever worker thread calls respond(). Stateless apart from the application, so
/// one instance serves every worker at once.
class Responder {
  public:
    /// `app` must outlive the responder.
    explicit Responder(Application& app) : app_(app) {}

    /// Routes `request`, then performs what the handler asked for the blocking way: the store call sleeps
    /// this thread for the store latency (SlowStore::fetch_blocking), CPU work runs here. Never throws: an
    /// unexpected exception becomes a 500 that closes the connection.
    HttpResponse respond(const HttpRequest& request) const;

  private:
    Application& app_;
};

}  // namespace slowio::sync
