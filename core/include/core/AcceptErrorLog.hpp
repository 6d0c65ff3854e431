#pragma once
/// \file What a server does when accept() fails: the same classification, log line and back-off everywhere.

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <system_error>

namespace slowio {

/// How long a server waits before accepting again after running out of descriptors: the pending connection
/// stays in the listen backlog, and retrying at once would spin on a socket that stays readable.
inline constexpr std::chrono::milliseconds accept_backoff{50};

/// True for the errors that mean "no descriptor or kernel memory for another connection" (EMFILE, ENFILE,
/// ENOBUFS, ENOMEM): transient, back off and accept later. Compares the raw errno of the system category
/// (Asio's or the standard library's, which both carry errno values) rather than `ec == std::errc::…`, which
/// goes through a virtual error_category::equivalent() call that UBSan's vptr check flags across the
/// libstdc++ boundary.
bool is_out_of_descriptors(const std::error_code& ec);

/// Logs failed accepts at most once a second (this can fail thousands of times a second under a connection
/// storm), saying how many were not logged in between. Used by one accepting thread at a time.
class AcceptErrorLog {
  public:
    /// Records one failed accept and logs it unless a line was written less than a second ago.
    /// `connections_open` goes into the line.
    void record(const std::error_code& ec, std::size_t connections_open);

  private:
    std::chrono::steady_clock::time_point last_line_{};
    std::uint64_t unlogged_ = 0;
};

}  // namespace slowio
