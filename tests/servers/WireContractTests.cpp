// The contract on the wire: the routes answer with core's bytes, pipelined requests in order, every codec
// error with its status, the slowloris guard, clients that leave, idle keep-alive connections.
#include <catch2/catch.hpp>
#include <thread>

#include "ContractSupport.hpp"

using namespace slowio::test;
using namespace std::chrono_literals;

namespace {

std::string get(const std::string& path) {
    return "GET " + path + " HTTP/1.1\r\nHost: test\r\n\r\n";
}

}  // namespace

TEST_CASE(
    "every route answers with core's status and body, and with its exact bytes where the target claims them",
    "[contract][wire]") {
    const auto server = target().start({{"latency_ms", "50"}});
    const std::vector<std::string> requests = {
        get("/health"),
        get("/users/1"),
        get("/users/7"),
        get("/users/0"),
        get("/users/abc"),
        get("/users/99999999"),
        get("/nope"),
        "DELETE /users/1 HTTP/1.1\r\nHost: test\r\n\r\n",
        "POST /work?n=1000 HTTP/1.1\r\nHost: test\r\nContent-Length: 0\r\n\r\n",
        "POST /work?n=0 HTTP/1.1\r\nHost: test\r\nContent-Length: 0\r\n\r\n",
        "GET /health HTTP/1.0\r\n\r\n",
        "GET /health HTTP/1.1\r\nHost: test\r\nConnection: close\r\n\r\n",
    };
    for (const auto& request : requests) {
        INFO(request.substr(0, request.find('\r')));
        HttpClient client(server->port());
        const auto t = Clock::now();
        REQUIRE(client.send_raw(request));
        const auto response = client.read_response();
        REQUIRE(response);
        const std::string reference = reference_response(request);
        if (target().has_trait("bytes")) {
            CHECK(without_date(*response) == reference);  // the same bytes, header order included
        } else {
            CHECK(response->status_line == status_line_of(reference));
            CHECK(response->body == body_of(reference));
        }
        if (response->status == 200 && request.find("/users/") != std::string::npos) {
            CHECK(ms_since(t) >= 45);  // the store wait happened
        }
    }
}

TEST_CASE("POST /jobs answers 202 with Location, and the job completes in the background",
          "[contract][wire]") {
    const auto server = target().start();
    HttpClient client(server->port());
    const auto accepted = client.request("POST", "/jobs?n=1000");
    REQUIRE(accepted);
    CHECK(accepted->status == 202);
    const std::string location = accepted->header("Location");
    REQUIRE(location.rfind("/jobs/", 0) == 0);
    CHECK(accepted->body.find(R"("status":"queued")") != std::string::npos);
    std::string body;
    CHECK(eventually([&] {
        const auto r = client.request("GET", location);
        body = r ? r->body : "";
        return r && r->status == 200 && body.find(R"("status":"done")") != std::string::npos;
    }));
    INFO(body);
    CHECK(body.find(R"("result")") != std::string::npos);
    const auto unknown = client.request("GET", "/jobs/999999");
    REQUIRE(unknown);
    CHECK(unknown->status == 404);
}

TEST_CASE("pipelined requests are answered in order, and the connection stays usable", "[contract][wire]") {
    const auto server = target().start({{"latency_ms", "50"}});
    HttpClient client(server->port());
    REQUIRE(client.send_raw(get("/users/2") + get("/health") + get("/users/3") + get("/nope")));
    const auto r1 = client.read_response();
    const auto r2 = client.read_response();
    const auto r3 = client.read_response();
    const auto r4 = client.read_response();
    REQUIRE((r1 && r2 && r3 && r4));
    CHECK(r1->body.find(R"("id":2)") != std::string::npos);
    CHECK(r2->body == R"({"status":"ok"})");
    CHECK(r3->body.find(R"("id":3)") != std::string::npos);
    CHECK(r4->status == 404);
    const auto again = client.request("GET", "/health");
    REQUIRE(again);
    CHECK(again->status == 200);
}

TEST_CASE("each codec error gets its status with a reason, then the connection closes", "[contract][wire]") {
    if (!target().has_trait("codec")) {
        SKIP_CASE(
            "the target has an HTTP codec of its own (trait 'codec' not declared): core's limits and error "
            "bodies do not apply to it");
    }
    const auto server = target().start();
    struct Case {
        std::string what;
        std::string bytes;
        int status;
    };
    std::string many_fields = "GET /health HTTP/1.1\r\nHost: t\r\n";
    for (int i = 0; i < 120; ++i) many_fields += "X-F" + std::to_string(i) + ": v\r\n";
    const std::vector<Case> cases = {
        {"malformed header line", "GET /health HTTP/1.1\r\nHost: t\r\nNo Colon Here\r\n\r\n", 400},
        {"request line over 8 KiB", "GET /" + std::string(9 * 1024, 'a') + " HTTP/1.1\r\nHost: t\r\n\r\n",
         414},
        {"headers over 16 KiB", "GET /health HTTP/1.1\r\nX-Big: " + std::string(17 * 1024, 'a') + "\r\n\r\n",
         431},
        {"over 100 header fields", many_fields + "\r\n", 431},
        {"body over 1 MiB", "POST /work HTTP/1.1\r\nHost: t\r\nContent-Length: 2000000\r\n\r\n", 413},
        {"HTTP/2.0", "GET /health HTTP/2.0\r\nHost: t\r\n\r\n", 505},
        {"unknown method", "BREW /health HTTP/1.1\r\nHost: t\r\n\r\n", 501},
        // RFC 9112's MUSTs (core's codec, so every server alike)
        {"malformed request line", "GARBAGE\r\n\r\n", 400},
        {"HTTP/1.1 without Host", "GET /health HTTP/1.1\r\n\r\n", 400},
        {"two Host fields", "GET /health HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n", 400},
        {"whitespace before the colon", "GET /health HTTP/1.1\r\nHost : t\r\n\r\n", 400},
        {"bare CR", "GET /health HTTP/1.1\r\nHost: t\r\nX: a\rb\r\n\r\n", 400},
        {"obsolete line folding", "GET /health HTTP/1.1\r\nHost: t\r\nX-A: one\r\n two\r\n\r\n", 400},
        {"Content-Length and Transfer-Encoding",
         "POST /jobs HTTP/1.1\r\nHost: t\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
         400},
    };
    for (const auto& c : cases) {
        INFO(c.what);
        HttpClient client(server->port());
        client.send_raw(c.bytes);  // the server may close before reading all of it
        const auto r = client.read_response();
        REQUIRE(r);
        CHECK(r->status == c.status);
        CHECK(r->header("Connection") == "close");
        CHECK(r->body.find(R"("error":")") != std::string::npos);
        CHECK(without_date(*r) == reference_response(c.bytes));
        CHECK(client.wait_closed());
    }
    HttpClient next(server->port());
    const auto ok = next.request("GET", "/health");
    REQUIRE(ok);
    CHECK(ok->status == 200);
}

TEST_CASE("slowloris: a request whose headers trickle in gets 408 after the header timeout",
          "[contract][wire]") {
    REQUIRE_PLACEHOLDERS({"header_timeout_ms", "300"});
    const auto server = target().start({{"header_timeout_ms", "300"}});
    HttpClient client(server->port());
    const auto t = Clock::now();
    REQUIRE(client.send_raw("GET /health HTTP/1.1\r\n"));
    // A header byte every 50 ms: the deadline is per request, not per byte.
    std::thread trickle([&] {
        for (int i = 0; i < 12; ++i) {
            std::this_thread::sleep_for(50ms);
            if (!client.send_raw("X")) break;
        }
    });
    const auto r = client.read_response();
    trickle.join();
    REQUIRE(r);
    CHECK(r->status == 408);
    CHECK(ms_since(t) >= 290);
    CHECK(client.wait_closed());
    if (target().has_trait("metrics")) {
        // Eventually: a server may count the rejection when it closes the connection, just after the client
        // saw the 408.
        CHECK(eventually([&] {
            return metric_value(scrape_metrics(server->port()),
                                R"(http_rejected_total{reason="header_timeout"})") == 1.0;
        }));
    }
}

TEST_CASE("clients that leave mid-request or mid-wait cost nothing, and the next client is served",
          "[contract][wire]") {
    const auto server = target().start({{"latency_ms", "100"}});
    const auto port = server->port();
    {
        HttpClient client(port);
        REQUIRE(client.send_raw("GET /users/1 HTTP/1.1\r\nHo"));
    }  // closed mid-request
    {
        HttpClient client(port);
        REQUIRE(client.send_request("GET", "/users/2"));
        std::this_thread::sleep_for(20ms);
    }  // closed while the server waits on the store for it
    if (target().has_trait("metrics")) {
        // Once the abandoned store wait ends, only the scrape itself is in flight.
        CHECK(
            eventually([&] { return metric_value(scrape_metrics(port), "http_requests_in_flight") == 1.0; }));
        CHECK(eventually([&] { return metric_value(scrape_metrics(port), "http_connections_open") == 1.0; }));
    }
    HttpClient next(port);
    const auto r = next.request("GET", "/users/5");
    REQUIRE(r);
    CHECK(r->status == 200);
}

TEST_CASE("an idle keep-alive connection is closed after the keep-alive timeout, without a response",
          "[contract][wire]") {
    REQUIRE_PLACEHOLDERS({"keepalive_timeout_ms", "300"});
    const auto server = target().start({{"keepalive_timeout_ms", "300"}});
    HttpClient client(server->port());
    REQUIRE(client.request("GET", "/health"));
    const auto t = Clock::now();
    CHECK(client.wait_closed());
    CHECK(ms_since(t) >= 250);
}

TEST_CASE("a request whose client left is counted as abandoned, and with --drop-abandoned it is not run",
          "[contract][wire]") {
    REQUIRE_PLACEHOLDERS({"drop_abandoned", "true"}, {"threads", "1"});
    if (!target().has_trait("metrics")) SKIP_CASE("the target serves no /metrics");
    for (const bool drop : {false, true}) {
        INFO("--drop-abandoned " << drop);
        // One thread and L = 400 ms: the first client holds it (sync) or waits on the store (async); the
        // second sends its request and leaves 50 ms later, while its request is queued (sync) or waiting
        // (async).
        const auto server = target().start(
            {{"latency_ms", "400"}, {"threads", "1"}, {"drop_abandoned", drop ? "true" : "false"}});
        const auto port = server->port();
        {
            HttpClient first(port);
            REQUIRE(first.send_request("GET", "/users/1"));
            std::this_thread::sleep_for(50ms);
            {
                HttpClient leaving(port);
                REQUIRE(leaving.send_request("GET", "/users/2"));
                std::this_thread::sleep_for(50ms);
            }  // gone before it could be answered
            const auto r = first.read_response();
            REQUIRE(r);
            CHECK(r->status == 200);
        }  // the first client closes too: a thread-per-connection server's thread moves on to the second
        const std::string outcome = drop ? "dropped" : "ran";
        const std::string other = drop ? "ran" : "dropped";
        int scrapes = 0;  // each scrape is a 200 of its own, counted before the next one renders
        const auto scrape = [&] {
            const auto text = scrape_metrics(port);
            return std::pair(text, scrapes++);
        };
        CHECK(eventually(
            [&] {
                return metric_value(scrape().first,
                                    "http_requests_abandoned_total{outcome=\"" + outcome + "\"}") == 1.0;
            },
            5s));
        const auto [text, before] = scrape();
        CHECK(metric_value(text, "http_requests_abandoned_total{outcome=\"" + other + "\"}") == 0.0);
        // Run, its 200 was written to no one; dropped, it never was: besides the scrapes, only the first
        // client's 200 exists.
        CHECK(metric_value(text, "http_responses_total{code=\"200\"}") == before + (drop ? 1.0 : 2.0));
        CHECK(metric_value(text, "http_requests_in_flight") == 1.0);  // the scrape itself
    }
}
