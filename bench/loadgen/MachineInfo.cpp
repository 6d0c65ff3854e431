#include "MachineInfo.hpp"

#include <sys/utsname.h>
#include <unistd.h>

#include <thread>

#ifndef SLOWIO_BUILD_TYPE
#define SLOWIO_BUILD_TYPE "unknown"
#endif

namespace slowio::loadgen {

MachineInfo MachineInfo::collect() {
    MachineInfo m;
    m.cores = std::thread::hardware_concurrency();
    utsname u{};
    if (uname(&u) == 0) m.kernel = std::string(u.sysname) + " " + u.release + " " + u.machine;
    char host[256] = {};
    if (gethostname(host, sizeof host - 1) == 0) m.hostname = host;
    m.build_type = SLOWIO_BUILD_TYPE;
    if (m.build_type.empty()) m.build_type = "unspecified";
    return m;
}

}  // namespace slowio::loadgen
