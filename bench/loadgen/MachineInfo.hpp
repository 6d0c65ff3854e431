#pragma once
#include <string>

namespace slowio::loadgen {

/// Where a run happened, recorded in every JSON so a Debug build or a different box is never mistaken for
/// the reference numbers.
struct MachineInfo {
    unsigned cores = 0;      ///< std::thread::hardware_concurrency()
    std::string kernel;      ///< uname: sysname release machine
    std::string build_type;  ///< CMAKE_BUILD_TYPE via the SLOWIO_BUILD_TYPE compile definition
    std::string hostname;    ///< gethostname()

    /// Reads the current machine.
    static MachineInfo collect();
};

}  // namespace slowio::loadgen
