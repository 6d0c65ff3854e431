#pragma once
#include <asio/io_context.hpp>
#include <asio/ip/tcp.hpp>
#include <asio/steady_timer.hpp>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "ResponseParser.hpp"
#include "Timeline.hpp"
#include "Url.hpp"

namespace slowio::loadgen {

/// How a scraped metric appears in the flat reports: its column suffix (unit in the name) and the factor from
/// the metric's base unit (seconds, bytes) to the column's.
struct ServerColumn {
    std::string metric;  ///< Prometheus name
    std::string column;  ///< snake_case column name, unit suffixed
    double scale;        ///< column value = metric value * scale
};

/// One scrape of the server's /metrics: the wanted gauges found on the page (absent ones are absent).
struct ServerSample {
    bool ok = false;                       ///< false when the scrape failed or did not finish in its interval
    std::map<std::string, double> values;  ///< metric name -> value
};

/// Polls a server's Prometheus /metrics on its own thread, io_context and connection, so a slow or stuck
/// server page never delays the load (a scrape that outlasts its interval is abandoned and marked failed).
/// Sample k is taken at start + k * interval, the same clock the client time series uses, so the two line up;
/// sample 0 up to 15 ms ahead of start, so that answering it does not compete with the load's first
/// connections.
class Scraper {
  public:
    /// `url` is the /metrics URL; `endpoint` its resolved address.
    Scraper(Url url, asio::ip::tcp::endpoint endpoint, const Timeline& timeline);
    ~Scraper();
    Scraper(const Scraper&) = delete;
    Scraper& operator=(const Scraper&) = delete;

    /// Starts the scraping thread (first sample just ahead of timeline.start).
    void start();
    /// Stops after the sample at timeline.end (or now, if already past) and joins.
    void stop();

    /// Samples by index (after stop()).
    const std::vector<ServerSample>& samples() const { return samples_; }
    /// Failed or missed scrapes.
    std::uint64_t failures() const { return failures_; }
    /// The gauges we look for, in report order.
    static const std::vector<std::string>& metric_names();
    /// The same gauges with their report column names and units.
    static const std::vector<ServerColumn>& columns();
    /// Highest value of each metric over the samples taken in [from, to] (by index).
    std::map<std::string, double> peaks(std::size_t from, std::size_t to) const;

  private:
    void tick(std::size_t index);
    void begin_scrape(std::size_t index);
    void on_read(std::size_t index, std::uint64_t gen, const std::error_code& ec, std::size_t n);
    void abandon();

    Url url_;
    asio::ip::tcp::endpoint endpoint_;
    Timeline timeline_;
    asio::io_context io_{1};
    asio::steady_timer timer_{io_};
    asio::ip::tcp::socket socket_{io_};
    ResponseParser parser_{true};
    std::string request_;
    std::unique_ptr<char[]> buffer_;
    std::optional<std::size_t> pending_;  // index of the scrape in progress
    std::uint64_t generation_ = 0;
    std::vector<ServerSample> samples_;
    std::uint64_t failures_ = 0;
    std::thread thread_;
};

}  // namespace slowio::loadgen
