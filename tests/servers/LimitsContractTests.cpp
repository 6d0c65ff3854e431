// The contract at the limits: --max-connections answers 503 and closes; running out of descriptors is said
// clearly and survived.
#include <unistd.h>

#include <catch2/catch.hpp>
#include <cstdlib>
#include <thread>

#include "ContractSupport.hpp"

using namespace slowio::test;
using namespace std::chrono_literals;

TEST_CASE("the connection beyond --max-connections gets 503 with Retry-After, then close",
          "[contract][limits]") {
    REQUIRE_PLACEHOLDERS({"max_connections", "2"});
    const auto server = target().start({{"max_connections", "2"}});
    const auto port = server->port();
    HttpClient a(port), b(port);
    REQUIRE(a.request("GET", "/health"));
    REQUIRE(b.request("GET", "/health"));
    HttpClient c(port);
    c.send_request("GET", "/health");  // never read by the server
    const auto r = c.read_response();
    REQUIRE(r);
    CHECK(r->status == 503);
    CHECK(r->header("Retry-After") == "1");
    CHECK(r->header("Connection") == "close");
    CHECK(c.wait_closed());
    // A slot frees up when a connection closes.
    a.close();
    std::optional<ClientResponse> ok;
    CHECK(eventually([&] {
        HttpClient d(port);
        ok = d.request("GET", "/health");
        return ok && ok->status == 200;
    }));
    if (target().has_trait("metrics")) {
        b.close();
        CHECK(eventually([&] {
            return metric_value(scrape_metrics(port), R"(http_rejected_total{reason="max_connections"})") >=
                   1.0;
        }));
    }
}

TEST_CASE("out of descriptors: accept failures are logged at most once a second and the server keeps serving",
          "[contract][limits][emfile]") {
    // ctest passes the prlimit it found (the case is disabled where there is none).
    const char* from_env = std::getenv("SLOWIO_PRLIMIT");
    const std::string prlimit = from_env && *from_env ? from_env : "/usr/bin/prlimit";
    if (::access(prlimit.c_str(), X_OK) != 0) SKIP_CASE(prlimit + " not found (util-linux)");
    // A hard limit of 48 descriptors leaves room for a few dozen connections; 60 clients exhaust it (the
    // kernel completes every handshake into the listen backlog regardless).
    const auto server = target().start({{"threads", "2"}}, {prlimit, "--nofile=48:48"});
    const auto port = server->port();
    std::vector<std::unique_ptr<HttpClient>> clients;
    for (int i = 0; i < 60; ++i) clients.push_back(std::make_unique<HttpClient>(port, 5s));
    if (target().has_trait("logs")) {
        REQUIRE(eventually([&] {
            return server->stderr_text().find("accept failed: Too many open files") != std::string::npos;
        }));
        std::this_thread::sleep_for(1500ms);  // long enough for a second line, if it were not rate-limited
        const auto text = server->stderr_text();
        INFO(text);
        CHECK(text.find("open-files soft limit 48") != std::string::npos);
        std::size_t lines = 0;
        for (auto at = text.find("accept failed"); at != std::string::npos;
             at = text.find("accept failed", at + 1))
            ++lines;
        CHECK(lines >= 1);
        CHECK(lines <= 3);
    }
    // The first connection is served; once the others go, the one that waited in the backlog is accepted
    // and served too. (Not merely "some of them go": a thread-per-connection server rightly serves an idle
    // connection it accepted earlier before a later one.)
    const auto first = clients.front()->request("GET", "/health");
    REQUIRE(first);
    CHECK(first->status == 200);
    clients.erase(clients.begin(), clients.end() - 1);
    const auto r = clients.back()->request("GET", "/health");
    REQUIRE(r);
    CHECK(r->status == 200);
}
