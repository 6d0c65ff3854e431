// HistogramCodec: HdrHistogram's compressed V2 encoding round-trips counts and percentiles exactly, its bytes
// follow the published layout (cookies, header, ZigZag runs of zeros), and bad input is named, never a crash.
// That standard readers decode it is checked by the hlog_* tests (hdr-histogram-js and a stdlib decoder).
#include <catch2/catch.hpp>
#include <random>

#include "HistogramCodec.hpp"
#include "HlogReport.hpp"

using slowio::loadgen::HistogramCodec;
using slowio::loadgen::LatencyHistogram;

TEST_CASE("compressed V2 encoding round-trips counts and percentiles", "[loadgen][hlog]") {
    LatencyHistogram h;
    std::mt19937_64 rng(42);
    std::lognormal_distribution<double> dist(std::log(100e6), 0.5);  // ~100 ms, a long tail
    for (int i = 0; i < 20000; ++i) h.record(static_cast<std::uint64_t>(dist(rng)));
    h.record(3);                  // the unit buckets
    h.record(7'200'000'000'000);  // clamped to 1 h: the highest trackable value
    const auto text = HistogramCodec::encode_compressed_base64(h);
    CHECK(text.rfind("HISTF", 0) == 0);  // what every compressed V2 histogram starts with in base64
    std::string error;
    const auto back = HistogramCodec::decode_compressed_base64(text, error);
    INFO(error);
    REQUIRE(back);
    CHECK(back->count() == h.count());
    CHECK(back->counts().size() == h.counts().size());
    CHECK(back->counts() == h.counts());
    for (double p : {1.0, 50.0, 90.0, 99.0, 99.9, 99.99})
        CHECK(LatencyHistogram::index_of(back->value_at_percentile(p)) ==
              LatencyHistogram::index_of(h.value_at_percentile(p)));
}

TEST_CASE("V2 header and payload follow HdrHistogram's layout", "[loadgen][hlog]") {
    LatencyHistogram h;
    h.record(1, 2);    // index 1
    h.record(300, 1);  // index 256 + 300/2 - 128 = 278: a run of 276 zeros between
    const auto raw = HistogramCodec::encode(h);
    REQUIRE(raw.size() >= 40);
    auto u32 = [&](std::size_t at) {
        return (std::uint32_t{raw[at]} << 24) | (std::uint32_t{raw[at + 1]} << 16) |
               (std::uint32_t{raw[at + 2]} << 8) | raw[at + 3];
    };
    CHECK(u32(0) == 0x1c849313u);
    CHECK(u32(8) == 0u);   // normalizing index offset
    CHECK(u32(12) == 2u);  // significant digits
    CHECK(u32(16) == 0u);
    CHECK(u32(20) == 1u);  // lowest discernible value 1 (a big-endian int64)
    // payload: index 0 is a single zero (0), index 1 is 2 (zigzag 4), 276 zeros (zigzag of -276 = 551,
    // LEB128 0xA7 0x04), then 1 (zigzag 2)
    const std::vector<std::uint8_t> payload(raw.begin() + 40, raw.end());
    CHECK(u32(4) == payload.size());
    CHECK(payload == std::vector<std::uint8_t>{0x00, 0x04, 0xA7, 0x04, 0x02});
    CHECK(LatencyHistogram::index_of(300) == 278);
}

TEST_CASE("an empty histogram encodes to an empty payload", "[loadgen][hlog]") {
    const LatencyHistogram h;
    CHECK(HistogramCodec::encode(h).size() == 40);
    std::string error;
    const auto back =
        HistogramCodec::decode_compressed_base64(HistogramCodec::encode_compressed_base64(h), error);
    REQUIRE(back);
    CHECK(back->count() == 0);
}

TEST_CASE("bad compressed histograms are named, not decoded", "[loadgen][hlog]") {
    std::string error;
    CHECK_FALSE(HistogramCodec::decode_compressed_base64("not base64!", error));
    CHECK(error == "not base64");
    CHECK_FALSE(HistogramCodec::decode_compressed_base64(
        HistogramCodec::base64_encode({1, 2, 3, 4, 5, 6, 7, 8}), error));
    CHECK(error.find("cookie") != std::string::npos);
    // A valid histogram with its zlib stream cut short.
    LatencyHistogram h;
    for (std::uint64_t v = 1000; v < 2'000'000; v += 997) h.record(v);
    auto bytes = *HistogramCodec::base64_decode(HistogramCodec::encode_compressed_base64(h));
    bytes.resize(bytes.size() - 10);
    CHECK_FALSE(HistogramCodec::decode_compressed_base64(HistogramCodec::base64_encode(bytes), error));
}

TEST_CASE("base64 is RFC 4648's", "[loadgen][hlog]") {
    auto enc = [](std::string s) { return HistogramCodec::base64_encode({s.begin(), s.end()}); };
    CHECK(enc("") == "");
    CHECK(enc("f") == "Zg==");
    CHECK(enc("fo") == "Zm8=");
    CHECK(enc("foo") == "Zm9v");
    CHECK(enc("foobar") == "Zm9vYmFy");
    const auto back = HistogramCodec::base64_decode("Zm9vYg==");
    REQUIRE(back);
    CHECK(std::string(back->begin(), back->end()) == "foob");
    CHECK_FALSE(HistogramCodec::base64_decode("Zm9"));
    CHECK_FALSE(HistogramCodec::base64_decode("Zm=v"));
}

TEST_CASE("the interval log has the 1.3 header and two tagged lines per interval", "[loadgen][hlog]") {
    slowio::loadgen::RunResult r;
    r.config.interval = std::chrono::milliseconds(250);
    r.config.duration = std::chrono::seconds(1);
    r.start_epoch_s = 1764680000.5;
    r.stats.intervals.resize(2);
    r.stats.intervals[1].latency.record(2'000'000);
    r.stats.intervals[1].latency_uncorrected.record(1'000'000);
    std::ostringstream out;
    slowio::loadgen::HlogReport::write(r, out);
    const auto text = out.str();
    CHECK(text.rfind("#[Histogram log format version 1.3]\n", 0) == 0);
    CHECK(text.find("#[StartTime: 1764680000.500 (seconds since epoch), Tue Dec 02 12:53:20 UTC 2025]\n") !=
          std::string::npos);
    CHECK(text.find("#[BaseTime: 1764680000.500 (seconds since epoch)]\n") != std::string::npos);
    CHECK(text.find("\n\"StartTimestamp\",\"Interval_Length\",\"Interval_Max\",\"Interval_Compressed_"
                    "Histogram\"\n") != std::string::npos);
    // 1 s of 250 ms intervals: four of each tag, silent ones included
    std::size_t corrected = 0, uncorrected = 0;
    for (std::size_t at = 0; (at = text.find("\nTag=", at)) != std::string::npos; ++at)
        (text.compare(at, 15, "\nTag=corrected,") == 0 ? corrected : uncorrected)++;
    CHECK(corrected == 4);
    CHECK(uncorrected == 4);
    CHECK(text.find("\nTag=corrected,0.250,0.250,2.000,HISTF") != std::string::npos);
    CHECK(text.find("\nTag=uncorrected,0.250,0.250,1.000,HISTF") != std::string::npos);
    CHECK(text.find("\nTag=corrected,0.750,0.250,0.000,HISTF") != std::string::npos);
}
