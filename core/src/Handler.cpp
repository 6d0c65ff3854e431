#include "core/Handler.hpp"

#include <fmt/format.h>

#include <charconv>
#include <limits>
#include <nlohmann/json.hpp>
#include <optional>

#include "core/JobQueue.hpp"
#include "core/Metrics.hpp"
#include "core/ParseDecimal.hpp"
#include "core/ServerResponses.hpp"

namespace slowio {

namespace {

using Json = nlohmann::ordered_json;  // keys in insertion order: bodies are byte-stable

HttpResponse json_response(int status, const Json& body) {
    HttpResponse r;
    r.status = status;
    r.body = body.dump();
    return r;
}

HttpResponse method_not_allowed(std::string_view method, std::string_view path, std::string_view allow) {
    HttpResponse r =
        error_response(405, fmt::format("method {} not allowed on {}; allowed: {}", method, path, allow),
                       /*close=*/false);
    r.extra_headers.emplace_back("Allow", std::string(allow));
    return r;
}

bool all_digits(std::string_view text) {
    return !text.empty() && text.find_first_not_of("0123456789") == std::string_view::npos;
}

std::string hex(std::uint64_t value) {
    return fmt::format("{:016x}", value);
}

/// Validates ?n= for /work and /jobs: absent → default; else 1..max_n.
std::optional<HttpResponse> parse_work_n(const HttpRequest& request, std::uint32_t& n) {
    bool found = false;
    const std::string_view text = request.query_param("n", &found);
    if (!found) {
        n = CpuWork::default_n;
        return std::nullopt;
    }
    const auto value = parse_decimal<std::uint32_t>(text, 1, CpuWork::max_n);
    if (!value) {
        return error_response(
            400, fmt::format("n must be an integer from 1 to {}, got '{}'", CpuWork::max_n, text), false);
    }
    n = *value;
    return std::nullopt;
}

}  // namespace

Handler::Handler(JobQueue& jobs, Metrics& metrics) : jobs_(jobs), metrics_(metrics) {}

bool Handler::is_metrics(const HttpRequest& request) {
    return request.method == "GET" && request.path == "/metrics";
}

HttpResponse Handler::post_job(const HttpRequest& request) {
    const std::string_view path = request.path;
    const std::string_view method = request.method;
    if (method != "POST") return method_not_allowed(method, path, "POST");
    std::uint32_t n = 0;
    if (auto bad = parse_work_n(request, n)) return std::move(*bad);
    const auto id = jobs_.submit(n);
    if (!id) {
        metrics_.count_rejected("jobs_queue_full");
        HttpResponse r = error_response(503, "job queue is full; retry later", false);
        add_retry_after(r);
        return r;
    }
    const std::string location = fmt::format("/jobs/{}", *id);
    HttpResponse r = json_response(202, Json{{"id", *id}, {"status", "queued"}, {"location", location}});
    r.extra_headers.emplace_back("Location", location);
    return r;
}

HttpResponse Handler::get_job(const HttpRequest& request) {
    const std::string_view path = request.path;
    const std::string_view method = request.method;
    const std::string_view id_text = path.substr(6);
    if (id_text.find('/') != std::string_view::npos) {
        return error_response(404, fmt::format("no route for {}", path), false);
    }
    if (method != "GET") return method_not_allowed(method, path, "GET");
    const auto id = parse_decimal<std::uint64_t>(id_text, 1, std::numeric_limits<std::uint64_t>::max());
    if (!id) return error_response(400, fmt::format("job id '{}' is not a positive integer", id_text), false);
    const auto job = jobs_.find(*id);
    if (!job) return error_response(404, fmt::format("no job {}", *id), false);
    Json body{{"id", job->id}, {"n", job->n}, {"status", JobQueue::to_string(job->status)}};
    body["result"] = job->status == JobQueue::Status::done ? Json(hex(job->result)) : Json(nullptr);
    return json_response(200, body);
}

Outcome Handler::handle(const HttpRequest& request) {
    const std::string_view path = request.path;
    const std::string_view method = request.method;

    if (path == "/health") {
        if (method != "GET") return method_not_allowed(method, path, "GET");
        // The fast path the nginx comparison measures: a constant body, no JSON document built per request.
        HttpResponse r;
        r.body = R"({"status":"ok"})";
        return r;
    }
    if (path == "/metrics") {
        if (method != "GET") return method_not_allowed(method, path, "GET");
        HttpResponse r;
        r.content_type = "text/plain; version=0.0.4; charset=utf-8";
        r.body = metrics_.render();
        return r;
    }
    if (path.rfind("/users/", 0) == 0) {
        const std::string_view id_text = path.substr(7);
        if (id_text.find('/') != std::string_view::npos) {
            return error_response(404, fmt::format("no route for {}", path), false);
        }
        if (method != "GET") return method_not_allowed(method, path, "GET");
        const auto id = parse_decimal<std::int64_t>(id_text, 1, std::numeric_limits<std::int64_t>::max());
        if (!id) {
            const std::string why = all_digits(id_text) ? "out of range" : "not a number";
            return error_response(
                400, fmt::format("user id '{}' is {}: expected an integer from 1 to 2^63-1", id_text, why),
                false);
        }
        return StoreCall{*id};
    }
    if (path == "/work") {
        if (method != "POST") return method_not_allowed(method, path, "POST");
        CpuWork work;
        if (auto bad = parse_work_n(request, work.n)) return std::move(*bad);
        return work;
    }
    if (path == "/jobs") return post_job(request);
    if (path.rfind("/jobs/", 0) == 0) return get_job(request);
    return error_response(404, fmt::format("no route for {}", path), false);
}

HttpResponse Handler::finish(const StoreCall& call, const StoreResult& result) const {
    if (result.unavailable) {
        HttpResponse response = error_response(503, result.error, false);
        add_retry_after(response);
        return response;
    }
    if (!result.error.empty())
        return error_response(500, fmt::format("store error: {}", result.error), false);
    if (!result.user) return error_response(404, fmt::format("no user {}", call.user_id), false);
    const User& u = *result.user;
    return json_response(
        200, Json{{"id", u.id}, {"name", u.name}, {"email", u.email}, {"created_at", u.created_at}});
}

HttpResponse Handler::finish(const CpuWork& work, std::uint64_t digest) const {
    return json_response(200, Json{{"n", work.n}, {"digest", hex(digest)}});
}

}  // namespace slowio
