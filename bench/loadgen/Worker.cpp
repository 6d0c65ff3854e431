#include "Worker.hpp"

#include <algorithm>

#include "Connection.hpp"

namespace slowio::loadgen {

Worker::Worker(const Config& config, const RequestFactory& requests, asio::ip::tcp::endpoint endpoint,
               const Timeline& timeline, std::vector<std::size_t> globals, std::uint64_t seed)
    : config_(config),
      requests_(requests),
      endpoint_(std::move(endpoint)),
      timeline_(timeline),
      stats_(timeline, globals.size(), !config.hlog_file.empty()),
      rng_(seed) {
    connections_.reserve(globals.size());
    for (std::size_t i = 0; i < globals.size(); ++i)
        connections_.push_back(std::make_unique<Connection>(*this, i, globals[i]));
    // Timeouts are found by a sweep rather than a timer per request: one heap operation per sweep instead of
    // two per request, at the price of up to one period of lateness in declaring a timeout.
    sweep_period_ = std::clamp<Clock::duration>(config.timeout / 20, std::chrono::milliseconds(1),
                                                std::chrono::milliseconds(100));
}

Worker::~Worker() = default;

void Worker::run() {
    active_ = connections_.size();
    for (auto& c : connections_) c->start();
    if (active_ == 0) return;
    end_timer_.expires_at(timeline_.end);
    end_timer_.async_wait([this](const std::error_code& ec) {
        if (ec) return;
        for (auto& c : connections_) c->on_end();
    });
    // Last resort: whatever is still open at end + timeout (+ slack) is abandoned so the run cannot hang.
    drain_timer_.expires_at(timeline_.drain_end);
    drain_timer_.async_wait([this](const std::error_code& ec) {
        if (!ec) io_.stop();
    });
    arm_sweep();
    arm_stage(1);
    io_.run();
}

void Worker::arm_stage(std::size_t next) {
    if (next >= timeline_.stages.size()) return;
    stage_timer_.expires_at(timeline_.stages[next].start);
    stage_timer_.async_wait([this, next](const std::error_code& ec) {
        if (ec) return;
        const auto now = Clock::now();
        for (auto& c : connections_) c->on_stage_change(now);
        arm_stage(next + 1);
    });
}

void Worker::arm_sweep() {
    sweep_timer_.expires_after(sweep_period_);
    sweep_timer_.async_wait([this](const std::error_code& ec) {
        if (ec || active_ == 0) return;
        const auto now = Clock::now();
        for (auto& c : connections_) c->check_timeout(now);
        if (active_ > 0) arm_sweep();
    });
}

void Worker::connection_finished() {
    if (active_ > 0 && --active_ == 0) {
        // Nothing left to measure: let io_context::run() return.
        sweep_timer_.cancel();
        end_timer_.cancel();
        drain_timer_.cancel();
        stage_timer_.cancel();
    }
}

}  // namespace slowio::loadgen
