#pragma once
/// \file Whether a client has left: the one test every server uses to call a request abandoned
/// (http_requests_abandoned_total) when it has no read of its own pending on the socket.

namespace slowio {

/// True when the peer of connected socket `fd` closed (EOF) or reset it. Looks without blocking and without
/// consuming anything: unread pipelined bytes mean the client is still there.
bool peer_gone(int fd);

}  // namespace slowio
