#include "core/Log.hpp"

#include <unistd.h>

#include <atomic>
#include <chrono>
#include <ctime>
#include <stdexcept>
#include <string>

namespace slowio {

namespace {
std::atomic<int> threshold{static_cast<int>(LogLevel::info)};
constexpr const char* names[] = {"error", "warn", "info", "debug"};
}  // namespace

void set_log_level(LogLevel level) {
    threshold.store(static_cast<int>(level), std::memory_order_relaxed);
}

LogLevel parse_log_level(std::string_view name) {
    for (int i = 0; i < 4; ++i) {
        if (name == names[i]) return static_cast<LogLevel>(i);
    }
    throw std::invalid_argument("log level must be one of error, warn, info, debug");
}

bool log_enabled(LogLevel level) {
    return static_cast<int>(level) <= threshold.load(std::memory_order_relaxed);
}

void log_line(LogLevel level, std::string_view message) {
    const auto now = std::chrono::system_clock::now();
    const std::time_t t = std::chrono::system_clock::to_time_t(now);
    const auto ms =
        std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count() % 1000;
    std::tm tm{};
    gmtime_r(&t, &tm);
    char stamp[32];
    std::strftime(stamp, sizeof stamp, "%H:%M:%S", &tm);
    std::string line =
        fmt::format("{}.{:03d} {:<5} {}\n", stamp, ms, names[static_cast<int>(level)], message);
    // One write(2) per line so lines from several threads never interleave.
    const char* p = line.data();
    std::size_t left = line.size();
    while (left > 0) {
        const ssize_t n = ::write(STDERR_FILENO, p, left);
        if (n <= 0) break;
        p += n;
        left -= static_cast<std::size_t>(n);
    }
}

void LogCoroutineFailure::operator()(std::exception_ptr failure) const {
    if (!failure) return;
    try {
        std::rethrow_exception(failure);
    } catch (const std::exception& e) {
        log(LogLevel::error, "{} coroutine failed: {}", coroutine, e.what());
    } catch (...) {
        log(LogLevel::error, "{} coroutine failed with a non-standard exception", coroutine);
    }
}

}  // namespace slowio
