#pragma once
/// \file Process resource limits that decide how many connections a server or client can hold.

#include <cstdint>

namespace slowio {

/// RLIMIT_NOFILE after raise_nofile_limit().
struct FileLimit {
    std::uint64_t soft = 0;
    std::uint64_t hard = 0;
};

/// Raises the soft RLIMIT_NOFILE to the hard limit (the hard limit cannot be raised here) and returns both.
FileLimit raise_nofile_limit();

/// RLIMIT_NOFILE as it is now.
FileLimit current_nofile_limit();

}  // namespace slowio
