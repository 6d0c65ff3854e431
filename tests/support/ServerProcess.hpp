#pragma once
/// \file Test support: run a server binary as a child process the way scripts do (--port 0, read the
/// `listening on 127.0.0.1:PORT` line), then stop it with a signal and collect its exit code.

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

namespace slowio::test {

/// A child server process. The destructor SIGKILLs it if still running.
class ServerProcess {
  public:
    /// Starts `binary` with `args` (add "--port", "0" yourself) and waits up to `startup` for the first
    /// stdout line. Throws std::runtime_error (with the line or stderr tail) if it does not match the
    /// contract.
    ServerProcess(const std::string& binary, const std::vector<std::string>& args,
                  std::chrono::milliseconds startup = std::chrono::seconds(10));
    ~ServerProcess();
    ServerProcess(const ServerProcess&) = delete;
    ServerProcess& operator=(const ServerProcess&) = delete;

    /// The port from the `listening on` line.
    std::uint16_t port() const { return port_; }
    /// The child's pid.
    pid_t pid() const { return pid_; }
    /// The exact first stdout line.
    const std::string& first_line() const { return first_line_; }

    /// Sends `signal` (e.g. SIGTERM).
    void signal(int signal);
    /// Waits up to `timeout` for exit; returns the exit code, 128+signal if killed, or -1 on timeout.
    int wait_exit(std::chrono::milliseconds timeout);
    /// Everything the child wrote to stderr so far (it is redirected to a temp file).
    std::string stderr_text() const;

  private:
    pid_t pid_ = -1;
    int status_ = -1;
    bool exited_ = false;
    std::uint16_t port_ = 0;
    std::string first_line_;
    std::string stderr_path_;
};

/// Arguments for a quick test server of ours: ephemeral port, a 1,000-row table (fast start), warnings only,
/// then `extra`.
std::vector<std::string> quick_server_args(const std::vector<std::string>& extra = {});

/// Runs `binary args...` to completion (stdout and stderr captured together), bounded by `timeout`.
struct CommandResult {
    int exit_code = -1;  ///< -1 when it had to be killed at the timeout
    std::string output;
};
/// See CommandResult.
CommandResult run_command(const std::string& binary, const std::vector<std::string>& args,
                          std::chrono::milliseconds timeout = std::chrono::seconds(20));

}  // namespace slowio::test
