#include "server_async/Watchdog.hpp"

#include <signal.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <optional>

#include "core/Log.hpp"
#include "core/ServerOptions.hpp"

namespace slowio::async {

namespace {

sigset_t shutdown_signals() {
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGTERM);
    return set;
}

double seconds(std::chrono::nanoseconds d) {
    return std::chrono::duration<double>(d).count();
}

}  // namespace

Watchdog::Watchdog(Config config, Heartbeat& heartbeat, prometheus::Gauge& deadlock_gauge,
                   std::function<void()> on_shutdown)
    : config_(std::move(config)),
      heartbeat_(heartbeat),
      deadlock_gauge_(deadlock_gauge),
      on_shutdown_(std::move(on_shutdown)) {
    // Before the `listening on` line is printed: a reader never finds the file missing once the port is
    // known.
    deadlock_gauge_.Set(0);
    write_status(false);
}

Watchdog::~Watchdog() {
    stop();
}

void Watchdog::block_signals() {
    const sigset_t set = shutdown_signals();
    pthread_sigmask(SIG_BLOCK, &set, nullptr);
    // Writes to a peer that went away must fail with EPIPE, not kill the server.
    ::signal(SIGPIPE, SIG_IGN);
}

void Watchdog::start() {
    thread_ = std::thread([this] { run(); });
}

void Watchdog::stop() {
    stop_.store(true);
    if (thread_.joinable()) thread_.join();
}

void Watchdog::run() {
    using clock = std::chrono::steady_clock;
    const sigset_t set = shutdown_signals();
    // 50 ms polling: detection lands within bound + 50 ms, and the thread costs nothing measurable.
    const timespec poll{0, 50'000'000};
    std::uint64_t last_beats = heartbeat_.beats();
    auto last_change = clock::now();
    std::optional<clock::time_point> signalled_at;

    while (!stop_.load()) {
        const int sig = ::sigtimedwait(&set, nullptr, &poll);
        const auto now = clock::now();
        if (sig == SIGINT || sig == SIGTERM) {
            if (!signalled_at) {
                signalled_at = now;
                log(LogLevel::info, "received {}: shutting down (forced exit if not done within {} ms)",
                    sig == SIGINT ? "SIGINT" : "SIGTERM", config_.shutdown_timeout.count());
                if (detected_.load()) {
                    log(LogLevel::error,
                        "event loop is deadlocked: in-flight requests cannot be drained; exiting {}",
                        exit_code::deadlock);
                    exit_now(exit_code::deadlock);
                }
                on_shutdown_();
            } else {
                log(LogLevel::warn, "second signal during shutdown: still draining");
            }
        }
        const std::uint64_t beats = heartbeat_.beats();
        if (beats != last_beats) {
            last_beats = beats;
            last_change = now;
        } else if (!detected_.load() && now - last_change > config_.bound) {
            report_deadlock(now - last_change);
            if (signalled_at) exit_now(exit_code::deadlock);
        }
        if (signalled_at && now - *signalled_at > config_.shutdown_timeout) {
            const int code = detected_.load() ? exit_code::deadlock : exit_code::drain_expired;
            log(LogLevel::error, "shutdown did not finish within {} ms of the signal; exiting with code {}",
                config_.shutdown_timeout.count(), code);
            exit_now(code);
        }
    }
}

void Watchdog::report_deadlock(std::chrono::nanoseconds silent_for) {
    detected_.store(true);
    // The status file and the gauge first: whoever reacts to the log line finds them already set.
    deadlock_gauge_.Set(1);
    write_status(true);
    log(LogLevel::error,
        "deadlock detected: the event loop made no progress (no lag tick, no response) for {:.3f} s "
        "(bound 2*L+1s = {:.3f} s); every io thread is blocked{}",
        seconds(silent_for), seconds(config_.bound), config_.context);
    if (config_.exit_on_deadlock) {
        log(LogLevel::error, "--deadlock-exit: exiting with code {}", exit_code::deadlock);
        exit_now(exit_code::deadlock);
    }
}

void Watchdog::write_status(bool deadlocked) const {
    if (config_.status_file.empty()) return;
    // Write-then-rename so a reader never sees a half-written file.
    const std::string tmp = config_.status_file + ".tmp";
    {
        std::ofstream out(tmp, std::ios::trunc);
        out << "deadlock_detected " << (deadlocked ? 1 : 0) << "\n";
    }
    if (std::rename(tmp.c_str(), config_.status_file.c_str()) != 0) {
        log(LogLevel::warn, "cannot write status file {}", config_.status_file);
    }
}

void Watchdog::exit_now(int code) const {
    // The io threads are blocked (or the drain is stuck): destructors cannot run, so do by hand the one
    // cleanup that matters (the temp SQLite file) and leave without joining anything.
    if (!config_.remove_before_exit.empty()) ::unlink(config_.remove_before_exit.c_str());
    std::fflush(nullptr);
    ::_exit(code);
}

}  // namespace slowio::async
