#pragma once
/// \file The one thread OUTSIDE the io_context: deadlock detection and signal delivery, the two jobs that
/// must still work when every io thread is stuck.

#include <prometheus/gauge.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <functional>
#include <string>
#include <thread>

#include "server_async/Heartbeat.hpp"

namespace slowio::async {

/// Watches the event loop from its own thread.
///
/// Deadlock: if the Heartbeat has not moved for longer than `bound` (2·L + 1 s: no lag tick and no response
/// in that time), the loop is stuck. The watchdog then, once: logs `deadlock detected: …` to stderr, sets the
/// `deadlock_detected` gauge to 1, and rewrites the status file (if any) to `deadlock_detected 1`. A stuck
/// loop cannot serve GET /metrics, so stderr and the status file are the observable channels; the gauge is
/// for the K > 1 cases where some thread may still serve. With `exit_on_deadlock` it then exits the process
/// with exit_code::deadlock (4) via _exit: the io threads are blocked forever, so nothing could be joined.
///
/// Signals: SIGINT/SIGTERM are blocked in every thread (block_signals() in main before any thread starts) and
/// taken here with sigtimedwait, so a shutdown request is seen even when the loop is stuck. The first one
/// calls `on_shutdown` (which posts the graceful drain to the io_context); if the loop is deadlocked, or the
/// process has not finished `shutdown_timeout` after the signal, the watchdog exits the process itself (4 for
/// a detected deadlock, 1 otherwise).
class Watchdog {
  public:
    /// What to watch and how to report.
    struct Config {
        std::chrono::nanoseconds bound{};              ///< heartbeat silence that counts as a deadlock
        bool exit_on_deadlock = false;                 ///< --deadlock-exit
        std::string status_file;                       ///< --status-file; empty: none
        std::chrono::milliseconds shutdown_timeout{};  ///< after a signal: give up waiting for a clean exit
        std::filesystem::path remove_before_exit;      ///< a temp file _exit would otherwise leave behind
        std::string context;                           ///< appended to the deadlock message (mode, threads)
    };

    /// `heartbeat` and `deadlock_gauge` must outlive the watchdog. Writes the initial status
    /// (`deadlock_detected 0`) but does not start the thread.
    Watchdog(Config config, Heartbeat& heartbeat, prometheus::Gauge& deadlock_gauge,
             std::function<void()> on_shutdown);
    /// Stops and joins the thread.
    ~Watchdog();
    Watchdog(const Watchdog&) = delete;
    Watchdog& operator=(const Watchdog&) = delete;

    /// Blocks SIGINT and SIGTERM in the calling thread (and so in every thread it starts later) and ignores
    /// SIGPIPE. Call first thing in main.
    static void block_signals();

    /// Starts the watchdog thread.
    void start();
    /// Stops and joins it (idempotent). Call once the io threads have finished.
    void stop();

  private:
    void run();
    void report_deadlock(std::chrono::nanoseconds silent_for);
    void write_status(bool deadlocked) const;
    [[noreturn]] void exit_now(int code) const;

    Config config_;
    Heartbeat& heartbeat_;
    prometheus::Gauge& deadlock_gauge_;
    std::function<void()> on_shutdown_;
    std::atomic<bool> stop_{false};
    std::atomic<bool> detected_{false};
    std::thread thread_;
};

}  // namespace slowio::async
