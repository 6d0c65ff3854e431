#pragma once
/// \file The order in which a WorkerPool's waiting items are taken, and which of them are never run
/// (--queue, --drop-abandoned).
///
/// The disciplines production systems use against a queue that outlives its clients (Facebook, "Fail at
/// Scale", ACM Queue 2015): `fifo` (.NET's global queue, the default); `lifo`, newest first; `adaptive-lifo`,
/// FIFO until the oldest item has waited longer than `lifo_after`, then newest first (the new requests still
/// have a waiting client; the old ones mostly do not); `codel`, the article's CoDel for request queues, in
/// the form of wangle's CoDel.cpp: each interval keeps the smallest wait of the items taken; when a whole
/// interval's smallest wait stayed above `target`, the queue is overloaded for the next interval and every
/// item that waited more than `target` is shed (answered 503 + Retry-After at once). wangle sheds beyond
/// 2 × target; the article and we beyond target. The first item of each interval is never shed (as wangle:
/// more than one item must come in before it judges).
///
/// Pure: the time is passed in, so each rule is tested on a hand-set clock.

#include <atomic>
#include <chrono>
#include <cstddef>
#include <deque>
#include <functional>
#include <memory>
#include <optional>
#include <string_view>
#include <utility>
#include <vector>

#include "core/NameTable.hpp"

namespace slowio::sync {

/// --queue: how waiting items are ordered and shed.
enum class QueueDiscipline { fifo, lifo, adaptive_lifo, codel };

/// --queue's one name table (parsing, to_string, --help).
inline constexpr auto queue_disciplines = name_table<QueueDiscipline>({
    {QueueDiscipline::fifo, "fifo", "oldest first (.NET's global queue)"},
    {QueueDiscipline::lifo, "lifo", "newest first"},
    {QueueDiscipline::adaptive_lifo, "adaptive-lifo",
     "oldest first until the oldest waited longer than --queue-lifo-after-ms, then newest first"},
    {QueueDiscipline::codel, "codel",
     "CoDel: once a whole --codel-interval-ms kept every wait above --codel-target-ms, what waited longer "
     "than "
     "the target is answered 503 + Retry-After at once"},
});

/// The name of a discipline as --queue spells it.
inline std::string_view to_string(QueueDiscipline d) {
    return queue_disciplines.name(d);
}

/// The waiting items of a WorkerPool (not thread-safe: the pool's lock guards it).
class RequestQueue {
  public:
    using TimePoint = std::chrono::steady_clock::time_point;
    /// Why an item was taken out without being run.
    enum class Discard {
        shed,     ///< CoDel: it waited too long while the queue was overloaded (the client gets a 503)
        dropped,  ///< --drop-abandoned: its client left before a worker took it
    };
    /// One waiting item.
    struct Item {
        std::function<void()> task;  ///< what a worker runs
        TimePoint enqueued{};        ///< when it was queued (set by push)
        /// Called (outside the pool's lock) for an item taken out without being run; empty for items that
        /// must always run (a completion a blocked worker waits for): they are never shed nor dropped.
        std::function<void(Discard)> discard;
        /// Set by the connection's I/O side once its client closed or reset the connection; may be null.
        std::shared_ptr<const std::atomic<bool>> abandoned;
    };
    /// The discipline and its parameters.
    struct Options {
        QueueDiscipline discipline = QueueDiscipline::fifo;
        std::chrono::milliseconds lifo_after{1000};     ///< adaptive-lifo: oldest wait that turns it LIFO
        std::chrono::milliseconds codel_target{5};      ///< codel: the acceptable standing wait
        std::chrono::milliseconds codel_interval{100};  ///< codel: how long it must persist
        bool drop_abandoned = false;                    ///< --drop-abandoned
    };

    explicit RequestQueue(Options options);

    /// Queues `item` at `now`.
    void push(Item item, TimePoint now);
    /// The item a worker should run at `now`, or nullopt when none is left. Items shed or dropped on the way
    /// are appended to `discarded` with the reason: the caller calls their `discard` once it released its
    /// lock.
    std::optional<Item> pop(TimePoint now, std::vector<std::pair<Item, Discard>>& discarded);

    /// Items waiting (abandoned ones still count until they are reached).
    std::size_t size() const { return items_.size(); }
    /// True when nothing waits.
    bool empty() const { return items_.empty(); }
    /// CoDel's verdict for the current interval (false for the other disciplines).
    bool overloaded() const { return overloaded_; }

  private:
    Item take_next(TimePoint now);
    bool codel_sheds(std::chrono::steady_clock::duration waited, TimePoint now);

    Options options_;
    std::deque<Item> items_;
    // CoDel: the current interval's end and smallest wait, and the verdict of the interval before it.
    TimePoint interval_end_{};
    std::chrono::steady_clock::duration min_wait_{};
    bool overloaded_ = false;
};

}  // namespace slowio::sync
