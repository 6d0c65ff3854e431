// The real `loadgen` binary: exit codes, one-line reasons, and the report files.
#include <sys/wait.h>

#include <asio.hpp>
#include <catch2/catch.hpp>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>

#include "TestServer.hpp"

namespace fs = std::filesystem;

namespace {
struct Outcome {
    int code = -1;
    std::string out, err;
};

std::string slurp(const fs::path& p) {
    std::ifstream in(p);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

fs::path temp_dir() {
    auto dir = fs::temp_directory_path() / ("loadgen_test_" + std::to_string(::getpid()));
    fs::create_directories(dir);
    return dir;
}

Outcome run_loadgen(const std::string& args) {
    const auto dir = temp_dir();
    const auto out = dir / "stdout", err = dir / "stderr";
    const std::string cmd = std::string("'") + LOADGEN_BINARY + "' " + args + " >'" + out.string() + "' 2>'" +
                            err.string() + "' </dev/null";
    const int status = std::system(cmd.c_str());
    Outcome o;
    o.code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    o.out = slurp(out);
    o.err = slurp(err);
    return o;
}

std::size_t lines(const std::string& s) {
    std::size_t n = 0;
    for (char c : s) n += c == '\n';
    return n;
}
}  // namespace

TEST_CASE("bad arguments exit 2 with one clear line", "[loadgen][binary]") {
    const std::pair<const char*, const char*> cases[] = {
        {"", "url is required"},
        {"not-a-url", "bad URL"},
        {"-c 0 http://127.0.0.1:9/", "-c/--connections"},
        {"-d 2s http://127.0.0.1:9/", "--warmup"},
        {"-d 2s --warmup 1s --timeout soon http://127.0.0.1:9/", "--timeout"},
        {"--path '/u/{rand:2..1}' http://127.0.0.1:9/", "--path"},
        {"-t 3 -c 2 http://127.0.0.1:9/", "-t 3 exceeds -c 2"},
        {"-c 5000000 -t 1 http://127.0.0.1:9/", "open files"},
    };
    for (const auto& [args, needle] : cases) {
        const auto o = run_loadgen(args);
        INFO("args: " << args << "\nstderr: " << o.err);
        CHECK(o.code == 2);
        CHECK(lines(o.err) == 1);
        CHECK(o.err.rfind("loadgen: ", 0) == 0);
        CHECK(o.err.find(needle) != std::string::npos);
        CHECK(o.out.empty());
    }
    const auto help = run_loadgen("--help");
    CHECK(help.code == 0);
    CHECK(help.out.find("--no-keepalive") != std::string::npos);
}

TEST_CASE("an unreachable target exits 3", "[loadgen][binary]") {
    // A port that was just free: bind, read it, close, so nothing listens there.
    asio::io_context io;
    asio::ip::tcp::acceptor a(io, {asio::ip::make_address("127.0.0.1"), 0});
    const auto port = a.local_endpoint().port();
    a.close();
    const auto o = run_loadgen("-d 2s --warmup 1s http://127.0.0.1:" + std::to_string(port) + "/");
    INFO(o.err);
    CHECK(o.code == 3);
    CHECK(lines(o.err) == 1);
    CHECK(o.err.find("unreachable") != std::string::npos);
}

TEST_CASE("a real run writes the human summary and every report file", "[loadgen][binary]") {
    slowio::loadgen::test::TestServer server;
    server.set_metrics(
        "threadpool_threads 4\nhttp_connections_open 2\nprocess_resident_memory_bytes 2097152\n");
    const auto dir = temp_dir();
    const auto json = dir / "run.json", csv = dir / "runs.csv", ts = dir / "ts.csv", hdr = dir / "run.hdr";
    fs::remove(csv);
    const std::string args = "-c 4 -t 2 -d 1200ms --warmup 200ms --scrape-interval 100ms --scrape " +
                             server.url("/metrics") + " --json " + json.string() + " --csv " + csv.string() +
                             " --timeseries " + ts.string() + " --hdr " + hdr.string() + " " +
                             server.url("/x");
    auto o = run_loadgen(args);
    INFO(o.err);
    REQUIRE(o.code == 0);
    CHECK(o.err.empty());  // no progress line: stderr is not a terminal
    CHECK(o.out.find("Requests/sec:") != std::string::npos);
    CHECK(o.out.find("Latency Distribution") != std::string::npos);
    CHECK(o.out.find("Little's law") != std::string::npos);

    const auto j = nlohmann::json::parse(slurp(json));
    for (const char* key : {"config", "machine", "window_s", "throughput_rps", "requests", "latency_us",
                            "latency_uncorrected_us", "littles_law", "per_connection", "server"})
        CHECK(j.contains(key));
    for (const char* key : {"cores", "kernel", "build_type", "hostname"}) CHECK(j["machine"].contains(key));
    for (const char* key :
         {"completed", "ok", "connect", "read", "write", "timeout", "status_4xx", "status_5xx", "status_503"})
        CHECK(j["requests"].contains(key));
    for (const char* key : {"p50", "p90", "p99", "p999", "p9999", "max", "mean", "stdev"})
        CHECK(j["latency_us"].contains(key));
    for (const char* key : {"concurrency", "predicted_in_flight", "ratio"})
        CHECK(j["littles_law"].contains(key));
    CHECK(j["requests"]["total"]["completed"].get<std::uint64_t>() == server.responses());
    CHECK(j["server"]["peaks"]["threadpool_threads"] == 4);
    CHECK(j["server"]["peaks"]["http_connections_open"] == 2);
    // Peaks carry the CSV's column names and units: bytes become rss_kb.
    CHECK(j["server"]["peaks"]["rss_kb"] == 2048);
    CHECK_FALSE(j["server"]["peaks"].contains("process_resident_memory_bytes"));
    CHECK(j["window_s"] == Approx(1.0));

    // A second run appends one row under the same single header.
    o = run_loadgen(args);
    REQUIRE(o.code == 0);
    const auto csv_text = slurp(csv);
    CHECK(lines(csv_text) == 3);
    CHECK(csv_text.rfind("url,method,", 0) == 0);
    CHECK(csv_text.find("throughput_rps") != std::string::npos);
    CHECK(csv_text.find("server_peak_threadpool_threads") != std::string::npos);

    const auto ts_text = slurp(ts);
    CHECK(ts_text.rfind("t_s,phase,rps,p50_us,p99_us,errors,goodput_rps,timeouts,status_503,retries,server_"
                        "threadpool_threads",
                        0) == 0);
    CHECK(lines(ts_text) >= 13);
    CHECK(ts_text.find("\n0.100,warmup,") != std::string::npos);
    CHECK(ts_text.find(",steady,") != std::string::npos);

    const auto hdr_text = slurp(hdr);
    CHECK(hdr_text.find("1/(1-Percentile)") != std::string::npos);
    CHECK(hdr_text.find("#[Mean") != std::string::npos);
    fs::remove_all(dir);
}
