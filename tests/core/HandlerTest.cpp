#include <fmt/format.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <thread>

#include "core/Handler.hpp"
#include "core/JobQueue.hpp"
#include "core/Metrics.hpp"

using namespace slowio;

namespace {

HttpRequest make(const std::string& method, const std::string& target) {
    HttpRequest r;
    r.method = method;
    r.target = target;
    const auto q = target.find('?');
    r.path = target.substr(0, q);
    r.query = q == std::string::npos ? "" : target.substr(q + 1);
    return r;
}

struct Fixture {
    Metrics metrics;
    JobQueue jobs{2, 1, &metrics};
    Handler handler{jobs, metrics};

    HttpResponse response(const std::string& method, const std::string& target) {
        Outcome o = handler.handle(make(method, target));
        REQUIRE(std::holds_alternative<HttpResponse>(o));
        return std::get<HttpResponse>(o);
    }
};

}  // namespace

TEST_CASE("GET /health answers at once", "[handler]") {
    Fixture f;
    const auto r = f.response("GET", "/health");
    CHECK(r.status == 200);
    CHECK(r.body == R"({"status":"ok"})");
    CHECK(r.content_type == "application/json");
}

TEST_CASE("GET /users/{id} asks for a store call, then renders the user", "[handler]") {
    Fixture f;
    Outcome o = f.handler.handle(make("GET", "/users/42"));
    REQUIRE(std::holds_alternative<StoreCall>(o));
    const StoreCall call = std::get<StoreCall>(o);
    CHECK(call.user_id == 42);

    StoreResult found{User{42, "Ada Lovelace", "ada.lovelace42@example.com", "2020-01-01T00:00:00Z"}, ""};
    const auto r = f.handler.finish(call, found);
    CHECK(r.status == 200);
    CHECK(
        r.body ==
        R"({"id":42,"name":"Ada Lovelace","email":"ada.lovelace42@example.com","created_at":"2020-01-01T00:00:00Z"})");

    const auto missing = f.handler.finish(call, StoreResult{});
    CHECK(missing.status == 404);
    CHECK(missing.body == R"({"error":"no user 42","status":404})");

    const auto failed = f.handler.finish(call, StoreResult{std::nullopt, "disk I/O error"});
    CHECK(failed.status == 500);
}

TEST_CASE("a store that cannot serve now is 503 + Retry-After with its reason", "[handler]") {
    Fixture f;
    StoreResult exhausted;
    exhausted.error = "database connection pool exhausted";
    exhausted.unavailable = true;
    const auto r = f.handler.finish(StoreCall{7}, exhausted);
    CHECK(r.status == 503);
    CHECK(r.body == R"({"error":"database connection pool exhausted","status":503})");
    REQUIRE(r.extra_headers.size() == 1);
    CHECK(r.extra_headers[0] == std::pair<std::string, std::string>{"Retry-After", "1"});
    CHECK_FALSE(r.close);
}

TEST_CASE("bad user ids are 400 with a reason", "[handler]") {
    Fixture f;
    for (const char* target :
         {"/users/abc", "/users/0", "/users/-1", "/users/", "/users/1x", "/users/99999999999999999999"}) {
        INFO(target);
        const auto r = f.response("GET", target);
        CHECK(r.status == 400);
        CHECK(r.body.find("user id") != std::string::npos);
        CHECK_FALSE(r.close);
    }
    CHECK(f.response("GET", "/users/99999999999999999999").body.find("out of range") != std::string::npos);
    CHECK(f.response("GET", "/users/abc").body.find("not a number") != std::string::npos);
}

TEST_CASE("unknown paths are 404 JSON, wrong methods on known paths are 405 with Allow", "[handler]") {
    Fixture f;
    const auto nf = f.response("GET", "/nope");
    CHECK(nf.status == 404);
    CHECK(nf.body == R"({"error":"no route for /nope","status":404})");
    CHECK(f.response("GET", "/users/1/extra").status == 404);

    const auto na = f.response("DELETE", "/users/1");
    CHECK(na.status == 405);
    REQUIRE(na.extra_headers.size() == 1);
    CHECK(na.extra_headers[0] == std::pair<std::string, std::string>{"Allow", "GET"});
    CHECK(f.response("POST", "/health").status == 405);
    CHECK(f.response("GET", "/work").status == 405);
    CHECK(f.response("GET", "/jobs").status == 405);
    CHECK(f.response("POST", "/metrics").status == 405);
    CHECK(f.response("PUT", "/jobs/1").status == 405);
}

TEST_CASE("GET /metrics renders the registry", "[handler]") {
    Fixture f;
    f.metrics.count_response(200);
    const auto r = f.response("GET", "/metrics");
    CHECK(r.status == 200);
    CHECK(r.content_type.rfind("text/plain; version=0.0.4", 0) == 0);
    CHECK(r.body.find("http_responses_total{code=\"200\"} 1") != std::string::npos);
    CHECK(Handler::is_metrics(make("GET", "/metrics")));
    CHECK_FALSE(Handler::is_metrics(make("GET", "/health")));
}

TEST_CASE("POST /work asks for CPU work and validates n", "[handler]") {
    Fixture f;
    Outcome o = f.handler.handle(make("POST", "/work?n=1000"));
    REQUIRE(std::holds_alternative<CpuWork>(o));
    CHECK(std::get<CpuWork>(o).n == 1000);
    Outcome d = f.handler.handle(make("POST", "/work"));
    REQUIRE(std::holds_alternative<CpuWork>(d));
    CHECK(std::get<CpuWork>(d).n == CpuWork::default_n);
    const auto r = f.handler.finish(CpuWork{1000}, run_cpu_work(1000));
    CHECK(r.status == 200);
    CHECK(r.body == R"({"n":1000,"digest":")" + fmt::format("{:016x}", run_cpu_work(1000)) + "\"}");
    for (const char* target : {"/work?n=0", "/work?n=abc", "/work?n=", "/work?n=999999999999"}) {
        INFO(target);
        CHECK(f.response("POST", target).status == 400);
    }
}

TEST_CASE("POST /jobs: 202 with Location, then GET /jobs/{id} until done, a full queue is 503",
          "[handler][jobs]") {
    Fixture f;
    const auto accepted = f.response("POST", "/jobs?n=1000");
    REQUIRE(accepted.status == 202);
    REQUIRE(accepted.extra_headers.size() == 1);
    CHECK(accepted.extra_headers[0].first == "Location");
    CHECK(accepted.extra_headers[0].second == "/jobs/1");
    CHECK(accepted.body == R"({"id":1,"status":"queued","location":"/jobs/1"})");

    f.jobs.wait_idle();
    const auto done = f.response("GET", "/jobs/1");
    CHECK(done.status == 200);
    CHECK(done.body == R"({"id":1,"n":1000,"status":"done","result":")" +
                           fmt::format("{:016x}", run_cpu_work(1000)) + "\"}");
    CHECK(f.response("GET", "/jobs/999").status == 404);
    CHECK(f.response("GET", "/jobs/abc").status == 400);

    // Capacity 2 and one worker: a long job occupies the worker, two more fill the queue, the next is
    // refused.
    REQUIRE(f.response("POST", "/jobs?n=200000000").status == 202);
    while (f.jobs.queued() != 0) std::this_thread::sleep_for(std::chrono::milliseconds(1));
    CHECK(f.response("POST", "/jobs?n=1").status == 202);
    CHECK(f.response("POST", "/jobs?n=1").status == 202);
    const auto full = f.response("POST", "/jobs?n=1");
    CHECK(full.status == 503);
    REQUIRE(full.extra_headers.size() == 1);
    CHECK(full.extra_headers[0] == std::pair<std::string, std::string>{"Retry-After", "1"});
    CHECK(f.metrics.render().find("http_rejected_total{reason=\"jobs_queue_full\"} 1") != std::string::npos);
}
