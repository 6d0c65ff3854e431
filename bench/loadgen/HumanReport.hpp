#pragma once
#include <ostream>

#include "RunResult.hpp"

namespace slowio::loadgen {

/// The stdout summary: wrk's layout (thread stats, latency distribution, requests/sec) plus what wrk lacks:
/// the steady window, error categories, open-loop lateness, Little's law, per-connection spread, server
/// peaks.
class HumanReport {
  public:
    /// Writes the summary of `r` to `out`.
    static void write(const RunResult& r, std::ostream& out);
};

}  // namespace slowio::loadgen
