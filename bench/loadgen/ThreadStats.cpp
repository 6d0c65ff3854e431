#include "ThreadStats.hpp"

#include <algorithm>

namespace slowio::loadgen {

void RequestCounts::merge(const RequestCounts& o) {
    completed += o.completed;
    ok += o.ok;
    status_4xx += o.status_4xx;
    status_5xx += o.status_5xx;
    status_503 += o.status_503;
    status_other += o.status_other;
    connect += o.connect;
    read += o.read;
    write += o.write;
    timeout += o.timeout;
    late += o.late;
    unsent += o.unsent;
    reconnects += o.reconnects;
    sent += o.sent;
    bytes_read += o.bytes_read;
    retries += o.retries;
    retries_after_timeout += o.retries_after_timeout;
    retries_after_503 += o.retries_after_503;
}

void IntervalStats::merge(const IntervalStats& o) {
    completed += o.completed;
    errors += o.errors;
    ok += o.ok;
    timeouts += o.timeouts;
    shed += o.shed;
    retries += o.retries;
    latency.merge(o.latency);
    latency_uncorrected.merge(o.latency_uncorrected);
}

void StageStats::merge(const StageStats& o) {
    counts.merge(o.counts);
    ok_done += o.ok_done;
    latency.merge(o.latency);
}

ThreadStats::ThreadStats(const Timeline& timeline, std::size_t connections, bool interval_uncorrected)
    : per_connection(connections, 0),
      stages(timeline.stages.size()),
      timeline_(timeline),
      interval_uncorrected_(interval_uncorrected) {}

RequestCounts* ThreadStats::stage_counts(Clock::time_point intended) {
    return stages.empty() ? nullptr : &stages[timeline_.stage_index(intended)].counts;
}

IntervalStats& ThreadStats::interval_at(Clock::time_point t) {
    const std::size_t idx = timeline_.interval_index(t);
    if (idx >= intervals.size()) intervals.resize(idx + 1);
    return intervals[idx];
}

namespace {
std::uint64_t ns_between(Clock::time_point from, Clock::time_point to) {
    return to > from ? static_cast<std::uint64_t>(
                           std::chrono::duration_cast<std::chrono::nanoseconds>(to - from).count())
                     : 0;
}

void count_status(RequestCounts& c, unsigned status) {
    ++c.completed;
    if (status >= 200 && status < 400)
        ++c.ok;
    else if (status == 503)
        ++c.status_503;
    else if (status >= 500 && status < 600)
        ++c.status_5xx;
    else if (status >= 400 && status < 500)
        ++c.status_4xx;
    else
        ++c.status_other;
}
}  // namespace

void ThreadStats::add_busy(Clock::time_point sent, Clock::time_point now) {
    const auto from = std::max(sent, timeline_.warmup_end);
    const auto to = std::min(now, timeline_.end);
    busy_ns += static_cast<double>(ns_between(from, to));
}

void ThreadStats::on_response(std::size_t conn, Clock::time_point intended, Clock::time_point sent,
                              Clock::time_point now, unsigned status) {
    count_status(total, status);
    const bool ok = status >= 200 && status < 400;
    auto& iv = interval_at(now);
    ++iv.completed;
    if (!ok && status >= 400) ++iv.errors;
    if (ok) ++iv.ok;
    if (status == 503) ++iv.shed;
    if (!stages.empty()) {
        auto& st = stages[timeline_.stage_index(intended)];
        count_status(st.counts, status);
        st.latency.record(ns_between(intended, now));
        if (ok) ++stages[timeline_.stage_index(now)].ok_done;
    }
    iv.latency.record(ns_between(intended, now));
    if (interval_uncorrected_) iv.latency_uncorrected.record(ns_between(sent, now));
    if (timeline_.in_window(now)) {
        ++completed_in_window;
        if (ok) ++ok_in_window;
    }
    add_busy(sent, now);
    if (timeline_.in_window(intended)) {
        count_status(window, status);
        latency.record(ns_between(intended, now));
        latency_uncorrected.record(ns_between(sent, now));
        if (conn < per_connection.size()) ++per_connection[conn];
    }
}

void ThreadStats::on_timeout(Clock::time_point intended, Clock::time_point sent, Clock::time_point now) {
    ++total.timeout;
    auto& iv = interval_at(now);
    ++iv.errors;
    ++iv.timeouts;
    if (!stages.empty()) {
        auto& st = stages[timeline_.stage_index(intended)];
        ++st.counts.timeout;
        st.latency.record(ns_between(intended, now));
    }
    iv.latency.record(ns_between(intended, now));
    if (interval_uncorrected_) iv.latency_uncorrected.record(ns_between(sent, now));
    add_busy(sent, now);
    if (timeline_.in_window(intended)) {
        ++window.timeout;
        latency.record(ns_between(intended, now));
        latency_uncorrected.record(ns_between(sent, now));
    }
}

void ThreadStats::on_io_error(bool write, Clock::time_point intended, Clock::time_point now) {
    ++(write ? total.write : total.read);
    ++interval_at(now).errors;
    if (auto* st = stage_counts(intended)) ++(write ? st->write : st->read);
    if (timeline_.in_window(intended)) ++(write ? window.write : window.read);
}

void ThreadStats::on_connect_error(Clock::time_point now) {
    ++total.connect;
    ++interval_at(now).errors;
    if (timeline_.in_window(now)) ++window.connect;
}

void ThreadStats::on_retry(Clock::time_point intended, Clock::time_point now, bool after_timeout) {
    const auto count = [after_timeout](RequestCounts& c) {
        ++c.retries;
        ++(after_timeout ? c.retries_after_timeout : c.retries_after_503);
    };
    count(total);
    ++interval_at(now).retries;
    if (auto* st = stage_counts(intended)) count(*st);
    if (timeline_.in_window(intended)) count(window);
}

void ThreadStats::on_sent(Clock::time_point intended, bool late) {
    ++total.sent;
    if (late) ++total.late;
    if (auto* st = stage_counts(intended)) {
        ++st->sent;
        if (late) ++st->late;
    }
    if (timeline_.in_window(intended)) {
        ++window.sent;
        if (late) ++window.late;
    }
}

void ThreadStats::on_unsent(std::uint64_t total_count, std::uint64_t window_count) {
    total.unsent += total_count;
    window.unsent += window_count;
}

void ThreadStats::on_reconnect(Clock::time_point now) {
    ++total.reconnects;
    if (timeline_.in_window(now)) ++window.reconnects;
}

void ThreadStats::merge(const ThreadStats& o) {
    latency.merge(o.latency);
    latency_uncorrected.merge(o.latency_uncorrected);
    window.merge(o.window);
    total.merge(o.total);
    completed_in_window += o.completed_in_window;
    ok_in_window += o.ok_in_window;
    busy_ns += o.busy_ns;
    per_connection.insert(per_connection.end(), o.per_connection.begin(), o.per_connection.end());
    if (o.intervals.size() > intervals.size()) intervals.resize(o.intervals.size());
    for (std::size_t i = 0; i < o.intervals.size(); ++i) intervals[i].merge(o.intervals[i]);
    if (o.stages.size() > stages.size()) stages.resize(o.stages.size());
    for (std::size_t i = 0; i < o.stages.size(); ++i) stages[i].merge(o.stages[i]);
    if (timeline_.interval == Clock::duration::zero()) timeline_ = o.timeline_;
    if (o.start_late && (!start_late || *o.start_late > *start_late)) start_late = o.start_late;
}

}  // namespace slowio::loadgen
