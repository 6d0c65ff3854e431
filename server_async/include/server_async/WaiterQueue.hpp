#pragma once
/// \file The FIFO of requests waiting for a database connection, each with its acquire deadline: pure (no
/// clock read, no I/O, no locking), so the pool's rules are tested on a hand-set time.

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <optional>

namespace slowio::async {

/// Waiters in arrival order. A freed connection goes to the OLDEST waiter whose deadline has not passed
/// (FIFO, as Npgsql's pool); a waiter past its deadline is never handed one — its own timer tells it so.
template <typename Handle, typename TimePoint = std::chrono::steady_clock::time_point>
class WaiterQueue {
  public:
    /// Identifies a waiter for remove().
    using Ticket = std::uint64_t;

    /// Adds a waiter at the back; returns its ticket.
    Ticket push(Handle handle, TimePoint deadline) {
        entries_.push_back(Entry{next_, handle, deadline});
        return next_++;
    }

    /// Removes and returns the oldest waiter whose deadline is after `now`; the expired ones before it are
    /// dropped (their own timers report the timeout). nullopt when nobody can take a connection.
    std::optional<Handle> pop_front(TimePoint now) {
        while (!entries_.empty()) {
            const Entry front = entries_.front();
            entries_.pop_front();
            if (front.deadline > now) return front.handle;
        }
        return std::nullopt;
    }

    /// Removes the waiter with `ticket` (its deadline passed, or it left); false when it is no longer here
    /// (already handed a connection, or dropped as expired).
    bool remove(Ticket ticket) {
        for (auto it = entries_.begin(); it != entries_.end(); ++it) {
            if (it->ticket == ticket) {
                entries_.erase(it);
                return true;
            }
        }
        return false;
    }

    /// Waiters queued (expired ones not yet dropped included).
    std::size_t size() const { return entries_.size(); }
    /// True when nobody waits.
    bool empty() const { return entries_.empty(); }

  private:
    struct Entry {
        Ticket ticket;
        Handle handle;
        TimePoint deadline;
    };
    std::deque<Entry> entries_;
    Ticket next_ = 0;
};

}  // namespace slowio::async
