#include "core/AcceptErrorLog.hpp"

#include <asio/error.hpp>
#include <cerrno>
#include <string>

#include "core/Log.hpp"
#include "core/ProcessLimits.hpp"

namespace slowio {

bool is_out_of_descriptors(const std::error_code& ec) {
    // Asio reports errno values under its own system category, not std::system_category(); anything else
    // (eof, Asio's misc errors) is not about resources.
    if (ec.category() != asio::error::get_system_category() && ec.category() != std::system_category() &&
        ec.category() != std::generic_category()) {
        return false;
    }
    const int v = ec.value();
    return v == EMFILE || v == ENFILE || v == ENOBUFS || v == ENOMEM;
}

void AcceptErrorLog::record(const std::error_code& ec, std::size_t connections_open) {
    const auto now = std::chrono::steady_clock::now();
    if (now - last_line_ < std::chrono::seconds(1)) {
        ++unlogged_;
        return;
    }
    const std::string unlogged =
        unlogged_ > 0 ? fmt::format("; {} more since the last message", unlogged_) : std::string();
    if (is_out_of_descriptors(ec)) {
        log(LogLevel::warn,
            "accept failed: {} ({} connections open, open-files soft limit {}; raise the limit or lower "
            "--max-connections); new clients wait in the listen backlog, retrying in {} ms{}",
            ec.message(), connections_open, current_nofile_limit().soft, accept_backoff.count(), unlogged);
    } else {
        log(LogLevel::warn, "accept failed: {}{}", ec.message(), unlogged);
    }
    last_line_ = now;
    unlogged_ = 0;
}

}  // namespace slowio
