#pragma once
#include <cstdint>
#include <system_error>

namespace slowio::loadgen {

/// The process's open-file limit (RLIMIT_NOFILE). 16,000 connections need 16,000 descriptors, more than the
/// usual soft limit of 1024, so a run starts by raising the soft limit to the hard one.
class FileLimit {
  public:
    /// Raises the soft limit to the hard limit; returns the soft limit now in force (0 and `ec` set on
    /// failure).
    static std::uint64_t raise_to_hard(std::error_code& ec);
    /// Descriptors a run with `connections` connections and `threads` workers needs, with room for the
    /// scraper, the event loops' own descriptors, stdio and report files.
    static std::uint64_t needed(std::uint64_t connections, unsigned threads);
};

}  // namespace slowio::loadgen
