#pragma once
#include <ostream>
#include <string>
#include <system_error>

#include "RunResult.hpp"

namespace slowio::loadgen {

/// The HdrHistogram interval log (`--hlog`, format version 1.3, as HistogramLogWriter writes it): a
/// `#[StartTime: …]` and `#[BaseTime: …]` header (the run's t = 0 in seconds since the epoch, so logs of
/// several load hosts line up), the legend, then per `--scrape-interval` two lines, `Tag=corrected` (latency
/// from the intended send time) and `Tag=uncorrected` (from the actual send; identical in closed loop), each
/// `start,length,max_ms,base64` with start relative to BaseTime and the histogram in nanoseconds. An interval
/// holds the responses and timeouts that completed in it, every interval of the run is written (silent ones
/// as empty histograms): a gap is a finding. HistogramLogProcessor, hdr-histogram-js and HdrHistogram_py
/// read it as-is.
class HlogReport {
  public:
    /// Writes the log of `r` to `out`.
    static void write(const RunResult& r, std::ostream& out);
    /// Writes it to `path`.
    static std::error_code write(const RunResult& r, const std::string& path);
};

}  // namespace slowio::loadgen
