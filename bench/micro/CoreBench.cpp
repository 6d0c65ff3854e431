// Microbenchmarks of core's per-request work: parse, route, render, and the SQLite lookup.
#include <benchmark/benchmark.h>

#include "core/Handler.hpp"
#include "core/JobQueue.hpp"
#include "core/Metrics.hpp"
#include "core/RequestParser.hpp"
#include "core/SlowStore.hpp"

namespace {

const std::string typical_request =
    "GET /users/4242 HTTP/1.1\r\nHost: 127.0.0.1:8080\r\nUser-Agent: loadgen/1\r\nAccept: "
    "application/json\r\n"
    "Accept-Encoding: gzip\r\nConnection: keep-alive\r\n\r\n";

void BM_ParseTypicalRequest(benchmark::State& state) {
    slowio::RequestParser parser;
    for (auto _ : state) {
        parser.consume(typical_request.data(), typical_request.size());
        auto request = parser.take();
        benchmark::DoNotOptimize(request);
    }
    state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * typical_request.size()));
}
BENCHMARK(BM_ParseTypicalRequest);

// handle() + finish() + serialize() for GET /users/{id}: everything a server does per request except
// the socket I/O and the store's wait/query.
void BM_HandleFinishGetUser(benchmark::State& state) {
    slowio::Metrics metrics;
    slowio::JobQueue jobs(1, 1, &metrics);
    slowio::Handler handler(jobs, metrics);
    slowio::RequestParser parser;
    parser.consume(typical_request.data(), typical_request.size());
    const slowio::HttpRequest request = parser.take();
    const slowio::StoreResult result{slowio::SlowStore::seeded_user(4242), ""};
    const std::string date{slowio::http_date()};
    for (auto _ : state) {
        auto outcome = handler.handle(request);
        const auto& call = std::get<slowio::StoreCall>(outcome);
        auto response = handler.finish(call, result);
        auto bytes = slowio::serialize(response, request.keep_alive, date);
        benchmark::DoNotOptimize(bytes);
    }
}
BENCHMARK(BM_HandleFinishGetUser);

void BM_SqliteLookup(benchmark::State& state) {
    slowio::SlowStore store(slowio::SlowStore::Options{{}, 10000, nullptr, 4, nullptr});
    std::int64_t id = 1;
    for (auto _ : state) {
        auto r = store.query(slowio::StoreCall{id});
        benchmark::DoNotOptimize(r);
        id = id % 10000 + 1;
    }
}
BENCHMARK(BM_SqliteLookup);

}  // namespace
