#pragma once
#include <asio/io_context.hpp>
#include <asio/ip/tcp.hpp>
#include <asio/steady_timer.hpp>
#include <atomic>
#include <cstdint>
#include <memory>
#include <random>
#include <vector>

#include "Config.hpp"
#include "RequestFactory.hpp"
#include "ThreadStats.hpp"
#include "Timeline.hpp"

namespace slowio::loadgen {

class Connection;

/// One load thread (wrk's model): its own io_context, its own connections, its own statistics. Nothing is
/// shared with other workers while the run lasts except two relaxed progress counters; the LoadGenerator
/// merges the statistics after join.
class Worker {
  public:
    /// `globals` are the global connection indices this worker owns (they stagger connects and schedules).
    Worker(const Config& config, const RequestFactory& requests, asio::ip::tcp::endpoint endpoint,
           const Timeline& timeline, std::vector<std::size_t> globals, std::uint64_t seed);
    ~Worker();
    Worker(const Worker&) = delete;
    Worker& operator=(const Worker&) = delete;

    /// Runs until every connection has closed after the end, or the drain deadline passes. Blocks.
    void run();

    /// This worker's measurements (read after run() returns).
    ThreadStats& stats() { return stats_; }

    /// Responses so far, for the live progress line (relaxed; read from the main thread).
    std::atomic<std::uint64_t> progress_completed{0};
    /// Failures so far, for the live progress line.
    std::atomic<std::uint64_t> progress_errors{0};

    // Shared read-only context for this worker's connections.
    asio::io_context& io() { return io_; }                                 ///< the worker's event loop
    const Config& config() const { return config_; }                       ///< run configuration
    const RequestFactory& requests() const { return requests_; }           ///< request bytes
    const asio::ip::tcp::endpoint& endpoint() const { return endpoint_; }  ///< resolved target
    const Timeline& timeline() const { return timeline_; }                 ///< run instants
    std::mt19937_64& rng() { return rng_; }                                ///< template expansion
    /// Called by a connection when it closes for good.
    void connection_finished();

  private:
    void arm_sweep();
    void arm_stage(std::size_t next);

    const Config& config_;
    const RequestFactory& requests_;
    asio::ip::tcp::endpoint endpoint_;
    Timeline timeline_;
    asio::io_context io_{1};
    asio::steady_timer sweep_timer_{io_};
    asio::steady_timer end_timer_{io_};
    asio::steady_timer drain_timer_{io_};
    asio::steady_timer stage_timer_{io_};  // --stages: the next step's start
    std::vector<std::unique_ptr<Connection>> connections_;
    std::size_t active_ = 0;
    Clock::duration sweep_period_{};
    ThreadStats stats_;
    std::mt19937_64 rng_;
};

}  // namespace slowio::loadgen
