#include "ServerProcess.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <iostream>
#include <sstream>
#include <stdexcept>
#include <thread>

namespace slowio::test {

namespace {

std::vector<char*> make_argv(const std::string& binary, const std::vector<std::string>& args) {
    std::vector<char*> argv;
    argv.push_back(const_cast<char*>(binary.c_str()));
    for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
    argv.push_back(nullptr);
    return argv;
}

/// Reads from fd until '\n' or the deadline; returns what was read (without the newline).
std::string read_line(int fd, std::chrono::steady_clock::time_point deadline, bool& complete) {
    std::string line;
    complete = false;
    char c;
    while (std::chrono::steady_clock::now() < deadline) {
        const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
            deadline - std::chrono::steady_clock::now());
        pollfd p{fd, POLLIN, 0};
        if (::poll(&p, 1, static_cast<int>(std::max<long>(1, left.count()))) <= 0) continue;
        const ssize_t n = ::read(fd, &c, 1);
        if (n <= 0) break;
        if (c == '\n') {
            complete = true;
            break;
        }
        line.push_back(c);
    }
    return line;
}

}  // namespace

ServerProcess::ServerProcess(const std::string& binary, const std::vector<std::string>& args,
                             std::chrono::milliseconds startup) {
    char tmpl[] = "/tmp/slowio-test-stderr-XXXXXX";
    const int err_fd = ::mkstemp(tmpl);
    if (err_fd < 0) throw std::runtime_error("mkstemp failed");
    stderr_path_ = tmpl;
    int out[2];
    if (::pipe(out) != 0) throw std::runtime_error("pipe failed");
    auto argv = make_argv(binary, args);
    pid_ = ::fork();
    if (pid_ < 0) throw std::runtime_error("fork failed");
    if (pid_ == 0) {
        ::dup2(out[1], STDOUT_FILENO);
        ::dup2(err_fd, STDERR_FILENO);
        ::close(out[0]);
        ::close(out[1]);
        ::close(err_fd);
        ::execv(binary.c_str(), argv.data());
        ::_exit(127);
    }
    ::close(out[1]);
    ::close(err_fd);
    bool complete = false;
    first_line_ = read_line(out[0], std::chrono::steady_clock::now() + startup, complete);
    // Keep draining stdout in the background so a chatty child never blocks on a full pipe.
    std::thread([fd = out[0]] {
        char buf[4096];
        while (::read(fd, buf, sizeof buf) > 0) {
        }
        ::close(fd);
    }).detach();
    const std::string prefix = "listening on 127.0.0.1:";
    if (!complete || first_line_.rfind(prefix, 0) != 0) {
        const std::string why = "server did not print '" + prefix + "PORT' first; got '" + first_line_ +
                                "'; stderr: " + stderr_text();
        ::kill(pid_, SIGKILL);
        wait_exit(std::chrono::seconds(5));
        throw std::runtime_error(why);
    }
    port_ = static_cast<std::uint16_t>(std::stoi(first_line_.substr(prefix.size())));
}

ServerProcess::~ServerProcess() {
    // A server that died on its own (a crash, a sanitizer's report with halt_on_error) or that a sanitizer
    // reported on says why on stderr: print it into the test's output before the file is removed.
    // (Only a death the test did not wait for: a test that expects an exit code waited for it with
    // wait_exit.)
    bool died = false;
    if (!exited_ && pid_ > 0 && ::waitpid(pid_, &status_, WNOHANG) == pid_) {
        exited_ = true;
        died = !(WIFEXITED(status_) && WEXITSTATUS(status_) == 0);
    }
    const std::string err = stderr_path_.empty() ? "" : stderr_text();
    if (died || err.find("Sanitizer") != std::string::npos || err.find("runtime error:") != std::string::npos)
        std::cerr << "server " << pid_ << " (exit status " << status_ << "), its stderr:\n" << err << "\n";
    if (!exited_ && pid_ > 0) {
        ::kill(pid_, SIGKILL);
        wait_exit(std::chrono::seconds(5));
    }
    if (!stderr_path_.empty()) ::unlink(stderr_path_.c_str());
}

void ServerProcess::signal(int sig) {
    if (!exited_) ::kill(pid_, sig);
}

int ServerProcess::wait_exit(std::chrono::milliseconds timeout) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (!exited_) {
        const pid_t r = ::waitpid(pid_, &status_, WNOHANG);
        if (r == pid_) {
            exited_ = true;
            break;
        }
        if (std::chrono::steady_clock::now() >= deadline) return -1;
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    if (WIFEXITED(status_)) return WEXITSTATUS(status_);
    if (WIFSIGNALED(status_)) return 128 + WTERMSIG(status_);
    return -1;
}

std::string ServerProcess::stderr_text() const {
    std::ifstream in(stderr_path_);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

CommandResult run_command(const std::string& binary, const std::vector<std::string>& args,
                          std::chrono::milliseconds timeout) {
    int out[2];
    if (::pipe(out) != 0) throw std::runtime_error("pipe failed");
    auto argv = make_argv(binary, args);
    const pid_t pid = ::fork();
    if (pid < 0) throw std::runtime_error("fork failed");
    if (pid == 0) {
        ::dup2(out[1], STDOUT_FILENO);
        ::dup2(out[1], STDERR_FILENO);
        ::close(out[0]);
        ::close(out[1]);
        ::execv(binary.c_str(), argv.data());
        ::_exit(127);
    }
    ::close(out[1]);
    CommandResult result;
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    char buf[4096];
    for (;;) {
        const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
            deadline - std::chrono::steady_clock::now());
        if (left.count() <= 0) break;
        pollfd p{out[0], POLLIN, 0};
        if (::poll(&p, 1, static_cast<int>(left.count())) <= 0) continue;
        const ssize_t n = ::read(out[0], buf, sizeof buf);
        if (n <= 0) break;
        result.output.append(buf, static_cast<std::size_t>(n));
    }
    ::close(out[0]);
    int status = 0;
    if (std::chrono::steady_clock::now() >= deadline) {
        ::kill(pid, SIGKILL);
        ::waitpid(pid, &status, 0);
        result.exit_code = -1;
        return result;
    }
    ::waitpid(pid, &status, 0);
    result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    return result;
}

std::vector<std::string> quick_server_args(const std::vector<std::string>& extra) {
    std::vector<std::string> args{"--port", "0", "--users", "1000", "--log-level", "warn"};
    args.insert(args.end(), extra.begin(), extra.end());
    return args;
}

}  // namespace slowio::test
