#include "core/PeerGone.hpp"

#include <poll.h>
#include <sys/socket.h>

#include <cerrno>

namespace slowio {

bool peer_gone(int fd) {
    pollfd p{fd, POLLIN | POLLRDHUP, 0};
    if (::poll(&p, 1, 0) <= 0) return false;  // nothing happened on it: still there
    if (p.revents & (POLLRDHUP | POLLHUP | POLLERR)) return true;
    // Readable: pipelined bytes (still there), or an EOF the kernel did not flag as RDHUP.
    char byte;
    const auto n = ::recv(fd, &byte, 1, MSG_PEEK | MSG_DONTWAIT);
    return n == 0 || (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR);
}

}  // namespace slowio
