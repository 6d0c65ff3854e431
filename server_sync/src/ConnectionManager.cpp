#include "server_sync/ConnectionManager.hpp"

#include <vector>

#include "server_sync/PoolConnection.hpp"

namespace slowio::sync {

void ConnectionManager::start(const std::shared_ptr<PoolConnection>& connection) {
    connections_.insert(connection);
    connection->start();
}

void ConnectionManager::remove(const std::shared_ptr<PoolConnection>& connection) {
    connections_.erase(connection);
}

void ConnectionManager::stop_all() {
    // stop() may call remove(): iterate over a copy.
    const std::vector<std::shared_ptr<PoolConnection>> all(connections_.begin(), connections_.end());
    for (const auto& c : all) c->stop();
}

void ConnectionManager::close_all() {
    const std::vector<std::shared_ptr<PoolConnection>> all(connections_.begin(), connections_.end());
    for (const auto& c : all) c->close();
    connections_.clear();
}

}  // namespace slowio::sync
