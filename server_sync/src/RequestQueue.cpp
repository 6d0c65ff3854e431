#include "server_sync/RequestQueue.hpp"

#include <algorithm>
#include <string>

namespace slowio::sync {

RequestQueue::RequestQueue(Options options) : options_(options) {}

void RequestQueue::push(Item item, TimePoint now) {
    item.enqueued = now;
    items_.push_back(std::move(item));
}

RequestQueue::Item RequestQueue::take_next(TimePoint now) {
    bool newest = options_.discipline == QueueDiscipline::lifo;
    if (options_.discipline == QueueDiscipline::adaptive_lifo)
        newest = now - items_.front().enqueued > options_.lifo_after;
    Item item = std::move(newest ? items_.back() : items_.front());
    if (newest)
        items_.pop_back();
    else
        items_.pop_front();
    return item;
}

bool RequestQueue::codel_sheds(std::chrono::steady_clock::duration waited, TimePoint now) {
    if (now >= interval_end_) {
        // A new interval: judge the one that ended by its smallest wait, and start measuring with this item.
        overloaded_ = interval_end_ != TimePoint{} && min_wait_ > options_.codel_target;
        interval_end_ = now + options_.codel_interval;
        min_wait_ = waited;
        return false;
    }
    min_wait_ = std::min(min_wait_, waited);
    return overloaded_ && waited > options_.codel_target;
}

std::optional<RequestQueue::Item> RequestQueue::pop(TimePoint now,
                                                    std::vector<std::pair<Item, Discard>>& discarded) {
    while (!items_.empty()) {
        Item item = take_next(now);
        const bool optional = static_cast<bool>(item.discard);  // completions always run
        if (optional && options_.drop_abandoned && item.abandoned && item.abandoned->load()) {
            discarded.emplace_back(std::move(item), Discard::dropped);
            continue;
        }
        if (options_.discipline == QueueDiscipline::codel && codel_sheds(now - item.enqueued, now) &&
            optional) {
            discarded.emplace_back(std::move(item), Discard::shed);
            continue;
        }
        return item;
    }
    return std::nullopt;
}

}  // namespace slowio::sync
