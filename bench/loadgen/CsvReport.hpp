#pragma once
#include <string>
#include <system_error>
#include <utility>
#include <vector>

#include "RunResult.hpp"

namespace slowio::loadgen {

/// The --csv summary: one flat row per run, appended; the header is written only when the file is new or
/// empty, so a sweep accumulates one table. Column names are the JSON names flattened, units last
/// (latency_p99_us, server_peak_rss_kb); the fixed column set keeps rows of different runs aligned.
class CsvReport {
  public:
    /// Column name / value pairs of one run, in file order.
    static std::vector<std::pair<std::string, std::string>> columns(const RunResult& r);
    /// Appends the row (and the header if needed) to `path`.
    static std::error_code append(const RunResult& r, const std::string& path);
    /// Quotes a field if it holds a comma, quote or newline (RFC 4180).
    static std::string escape(const std::string& field);
};

}  // namespace slowio::loadgen
