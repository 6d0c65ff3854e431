#pragma once
/// \file Runs one request to completion ON THE CALLING THREAD: the synchronous controller action.

#include "core/Application.hpp"
#include "core/HttpRequest.hpp"
#include "core/HttpResponse.hpp"

namespace slowio {

/// Routes `request`, then performs what the handler asked for the blocking way: the store call sleeps this
/// thread for the store latency (SlowStore::fetch_blocking), CPU work runs here. Never throws: an unexpected
/// exception becomes a 500 that closes the connection.
HttpResponse execute_blocking(Application& app, const HttpRequest& request);

}  // namespace slowio
