#include "FileLimit.hpp"

#include <sys/resource.h>

#include <cerrno>

namespace slowio::loadgen {

std::uint64_t FileLimit::raise_to_hard(std::error_code& ec) {
    rlimit lim{};
    if (getrlimit(RLIMIT_NOFILE, &lim) != 0) {
        ec.assign(errno, std::generic_category());
        return 0;
    }
    if (lim.rlim_cur < lim.rlim_max) {
        rlimit raised = lim;
        raised.rlim_cur = lim.rlim_max;
        if (setrlimit(RLIMIT_NOFILE, &raised) == 0)
            lim = raised;
        else
            ec.assign(errno, std::generic_category());
    }
    return lim.rlim_cur == RLIM_INFINITY ? UINT64_MAX : static_cast<std::uint64_t>(lim.rlim_cur);
}

std::uint64_t FileLimit::needed(std::uint64_t connections, unsigned threads) {
    return connections + 4ULL * threads + 32;
}

}  // namespace slowio::loadgen
