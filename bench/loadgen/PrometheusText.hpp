#pragma once
#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace slowio::loadgen {

/// Minimal reader for the Prometheus text exposition format: enough to pull a few gauges out of a /metrics
/// page. Comment lines (# HELP / # TYPE) are skipped; samples of the same name with different labels are
/// summed (a pool split by label still reports its total); an optional timestamp is ignored.
class PrometheusText {
  public:
    /// Values of the `wanted` metric names present in `text`; a name absent from the page is absent here too
    /// (never reported as zero).
    static std::map<std::string, double> parse(std::string_view text, const std::vector<std::string>& wanted);
};

}  // namespace slowio::loadgen
