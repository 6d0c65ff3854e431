#include "Scraper.hpp"

#include <algorithm>
#include <asio/post.hpp>
#include <asio/write.hpp>

#include "PrometheusText.hpp"

namespace slowio::loadgen {

namespace {
constexpr std::size_t scrape_buffer_size = 16384;
/// How far ahead of t = 0 sample 0 is taken (the timeline's lead is 20 ms; with --start-at, longer).
constexpr auto first_sample_lead = std::chrono::milliseconds(15);
}

const std::vector<ServerColumn>& Scraper::columns() {
    static const std::vector<ServerColumn> cols = {
        {"threadpool_threads", "threadpool_threads", 1.0},
        {"threadpool_busy_threads", "threadpool_busy_threads", 1.0},
        {"threadpool_queue_length", "threadpool_queue_length", 1.0},
        {"http_requests_in_flight", "http_requests_in_flight", 1.0},
        {"http_connections_open", "http_connections_open", 1.0},
        {"eventloop_lag_max_seconds", "eventloop_lag_max_ms", 1e3},
        {"process_resident_memory_bytes", "rss_kb", 1.0 / 1024.0},
        {"jobs_queue_length", "jobs_queue_length", 1.0},
        // Counters (labels summed): their difference between two samples is what the server did in between —
        // responses written (goodput's server-side counterpart) and requests whose client left.
        {"http_responses_total", "responses_total", 1.0},
        {"http_requests_abandoned_total", "abandoned_total", 1.0}};
    return cols;
}

const std::vector<std::string>& Scraper::metric_names() {
    static const std::vector<std::string> names = [] {
        std::vector<std::string> v;
        for (const auto& c : columns()) v.push_back(c.metric);
        return v;
    }();
    return names;
}

Scraper::Scraper(Url url, asio::ip::tcp::endpoint endpoint, const Timeline& timeline)
    : url_(std::move(url)),
      endpoint_(std::move(endpoint)),
      timeline_(timeline),
      buffer_(std::make_unique<char[]>(scrape_buffer_size)) {
    request_ =
        "GET " + url_.path + " HTTP/1.1\r\nHost: " + url_.authority() + "\r\nAccept: text/plain\r\n\r\n";
}

Scraper::~Scraper() {
    stop();
}

void Scraper::start() {
    const auto last = timeline_.interval_index(timeline_.end);
    samples_.resize(last + 1);
    // Sample 0 (t = 0, the counters' baseline) is taken just ahead of t = 0, so that answering it does not
    // compete with the load's first connections: a server whose /metrics costs CPU (the ASP.NET Core target's
    // sidecar: 2.6 ms on its first call, 1.1 ms after) would otherwise take it from accepting the burst, on
    // its one core. Nothing is sent before t = 0, so the baseline is the same.
    timer_.expires_at(std::max(Clock::now(), timeline_.start - first_sample_lead));
    timer_.async_wait([this](const std::error_code& ec) {
        if (!ec) tick(0);
    });
    thread_ = std::thread([this] { io_.run(); });
}

void Scraper::stop() {
    if (!thread_.joinable()) return;
    asio::post(io_, [this] {
        // Called once the load has drained: anything still pending is late by then.
        if (pending_) abandon();
        timer_.cancel();
        std::error_code ignored;
        socket_.close(ignored);
    });
    thread_.join();
}

void Scraper::tick(std::size_t index) {
    if (pending_) abandon();  // the previous scrape outlived its interval: count it, never wait for it
    if (index < samples_.size()) begin_scrape(index);
    const std::size_t next = index + 1;
    timer_.expires_at(timeline_.start + next * timeline_.interval);
    timer_.async_wait([this, next](const std::error_code& ec) {
        if (ec) return;
        if (next < samples_.size()) {
            tick(next);
        } else {  // past the last sample: drop a stuck scrape so the thread can finish
            if (pending_) abandon();
            std::error_code ignored;
            socket_.close(ignored);
        }
    });
}

void Scraper::abandon() {
    ++failures_;
    pending_.reset();
    ++generation_;
    std::error_code ignored;
    socket_.close(ignored);
}

void Scraper::begin_scrape(std::size_t index) {
    pending_ = index;
    parser_.reset();
    const auto gen = generation_;
    auto send = [this, index, gen] {
        asio::async_write(
            socket_, asio::buffer(request_), [this, index, gen](const std::error_code& ec, std::size_t) {
                if (gen != generation_) return;
                if (ec) {
                    abandon();
                    return;
                }
                socket_.async_read_some(asio::buffer(buffer_.get(), scrape_buffer_size),
                                        [this, index, gen](const std::error_code& e, std::size_t n) {
                                            on_read(index, gen, e, n);
                                        });
            });
    };
    if (socket_.is_open()) {
        send();
        return;
    }
    socket_.async_connect(endpoint_, [this, gen, send](const std::error_code& ec) {
        if (gen != generation_) return;
        if (ec) {
            abandon();
            return;
        }
        std::error_code ignored;
        socket_.set_option(asio::ip::tcp::no_delay(true), ignored);
        send();
    });
}

void Scraper::on_read(std::size_t index, std::uint64_t gen, const std::error_code& ec, std::size_t n) {
    if (gen != generation_) return;
    ResponseParser::Status st;
    if (ec)
        st = ec == asio::error::eof ? parser_.feed_eof() : ResponseParser::Status::error;
    else
        st = parser_.feed(buffer_.get(), n);
    if (st == ResponseParser::Status::incomplete) {
        socket_.async_read_some(
            asio::buffer(buffer_.get(), scrape_buffer_size),
            [this, index, gen](const std::error_code& e, std::size_t m) { on_read(index, gen, e, m); });
        return;
    }
    if (st == ResponseParser::Status::error || parser_.status_code() != 200) {
        abandon();
        return;
    }
    auto& sample = samples_[index];
    sample.ok = true;
    sample.values = PrometheusText::parse(parser_.body(), metric_names());
    pending_.reset();
    if (!parser_.keep_alive()) {
        ++generation_;
        std::error_code ignored;
        socket_.close(ignored);
    }
    if (index + 1 >= samples_.size()) {  // that was the last one
        timer_.cancel();
        ++generation_;
        std::error_code ignored;
        socket_.close(ignored);
    }
}

std::map<std::string, double> Scraper::peaks(std::size_t from, std::size_t to) const {
    std::map<std::string, double> out;
    for (std::size_t i = from; i <= to && i < samples_.size(); ++i) {
        if (!samples_[i].ok) continue;
        for (const auto& [name, value] : samples_[i].values) {
            auto [it, inserted] = out.emplace(name, value);
            if (!inserted) it->second = std::max(it->second, value);
        }
    }
    return out;
}

}  // namespace slowio::loadgen
