#pragma once
#include <cerrno>
#include <fstream>
#include <ios>
#include <string>
#include <system_error>

namespace slowio::loadgen {

/// Every report file is written the same way: open `path` (truncated, or appended with std::ios::app), let
/// `body(std::ostream&)` write it, flush, and return the first failure - errno when the file cannot be
/// opened, EIO when a write failed (a full disk shows up only at the flush) - so main() can name the file and
/// exit 1.
template <class Body>
std::error_code write_report_file(const std::string& path, Body&& body,
                                  std::ios::openmode mode = std::ios::trunc) {
    std::ofstream out(path, std::ios::out | mode);
    if (!out) return {errno ? errno : EIO, std::generic_category()};
    body(static_cast<std::ostream&>(out));
    out.flush();
    if (!out) return {EIO, std::generic_category()};
    return {};
}

}  // namespace slowio::loadgen
