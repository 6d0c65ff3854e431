#include <catch2/catch.hpp>

#include "core/HttpResponse.hpp"

using namespace slowio;

TEST_CASE("serialize writes a fixed header order", "[response]") {
    HttpResponse r;
    r.body = R"({"status":"ok"})";
    r.extra_headers.emplace_back("Location", "/jobs/1");
    const std::string out = serialize(r, true, "Thu, 01 Jan 2026 00:00:00 GMT");
    CHECK(out ==
          "HTTP/1.1 200 OK\r\nDate: Thu, 01 Jan 2026 00:00:00 GMT\r\nServer: slowio\r\n"
          "Content-Type: application/json\r\nContent-Length: 15\r\nLocation: /jobs/1\r\n"
          "Connection: keep-alive\r\n\r\n{\"status\":\"ok\"}");
}

TEST_CASE("close wins over keep-alive", "[response]") {
    HttpResponse r = error_response(400, "bad", true);
    CHECK_FALSE(keeps_alive(r, true));
    CHECK(serialize(r, true, "D").find("Connection: close\r\n") != std::string::npos);
    CHECK(r.body == R"({"error":"bad","status":400})");
    HttpResponse ok;
    CHECK_FALSE(keeps_alive(ok, false));
    CHECK(keeps_alive(ok, true));
}

TEST_CASE("http_date is an IMF-fixdate", "[response]") {
    const std::string d{http_date()};
    REQUIRE(d.size() == 29);
    CHECK(d.substr(d.size() - 4) == " GMT");
    CHECK(d[3] == ',');
}

TEST_CASE("reason phrases cover every status the suite sends", "[response]") {
    for (int s : {200, 202, 400, 404, 405, 408, 413, 414, 431, 500, 501, 503, 505}) {
        CHECK(reason_phrase(s) != "Unknown");
    }
}

TEST_CASE("serialize_to appends: queued responses are the concatenation of each serialized", "[response]") {
    HttpResponse ok;
    ok.body = R"({"status":"ok"})";
    const HttpResponse missing = error_response(404, "no route for /x", false);
    std::string out = "prefix";
    serialize_to(out, ok, true, "D");
    serialize_to(out, missing, false, "D");
    CHECK(out == "prefix" + serialize(ok, true, "D") + serialize(missing, false, "D"));
}
