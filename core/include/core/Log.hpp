#pragma once
/// \file A minimal leveled logger to stderr (stdout is reserved for the `listening on` line).

#include <fmt/format.h>

#include <exception>
#include <string_view>

namespace slowio {

/// Severity, most severe first.
enum class LogLevel { error = 0, warn = 1, info = 2, debug = 3 };

/// Sets the global threshold (default info).
void set_log_level(LogLevel level);
/// Parses "error|warn|info|debug"; throws std::invalid_argument otherwise.
LogLevel parse_log_level(std::string_view name);
/// True when messages at `level` are printed.
bool log_enabled(LogLevel level);
/// Writes one line "<UTC time> <level> <message>" to stderr atomically (one write call).
void log_line(LogLevel level, std::string_view message);

/// Formats and logs when `level` is enabled (arguments are not formatted otherwise).
template <typename... Args>
void log(LogLevel level, fmt::format_string<Args...> format, Args&&... args) {
    if (log_enabled(level)) log_line(level, fmt::format(format, std::forward<Args>(args)...));
}

/// The completion handler of a detached coroutine (asio::co_spawn): an exception escaping it is a bug worth
/// one error line naming the coroutine, not a reason to take the server down.
struct LogCoroutineFailure {
    /// What the coroutine does ("connection", "accept loop"), for the log line.
    std::string_view coroutine;
    /// Logs `failure` if there is one.
    void operator()(std::exception_ptr failure) const;
};

}  // namespace slowio
