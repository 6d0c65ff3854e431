#pragma once
/// \file The open connections of the pool model, so a shutdown can reach each of them (as in Asio's HTTP
/// server example). Used on the I/O thread only, hence no lock.

#include <memory>
#include <unordered_set>

namespace slowio::sync {

class PoolConnection;

/// Owns the pool model's connections.
class ConnectionManager {
  public:
    /// Adds `connection` and starts it.
    void start(const std::shared_ptr<PoolConnection>& connection);
    /// Forgets a connection that closed itself.
    void remove(const std::shared_ptr<PoolConnection>& connection);
    /// Shutdown, first step: idle connections close now, busy ones after their in-flight response.
    void stop_all();
    /// Shutdown, last step: closes whatever is still open.
    void close_all();
    /// Open connections.
    std::size_t size() const { return connections_.size(); }

  private:
    std::unordered_set<std::shared_ptr<PoolConnection>> connections_;
};

}  // namespace slowio::sync
