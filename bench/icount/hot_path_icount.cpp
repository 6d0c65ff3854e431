// hot_path_icount: the per-request CPU work every server does outside the socket and the store - parse a
// typical request (core's RequestParser), route it (Handler::handle), render the store's row
// (Handler::finish) and serialise the response - N times, for an instruction count that does not depend on
// the machine's noise. scripts/check_icount.py runs it under callgrind with
// --toggle-collect=slowio_icount_loop, so only the loop is counted, and divides by N.
//   hot_path_icount [--iterations N] [--plant-allocation] [--version]
// --plant-allocation adds one 64-byte heap allocation per request: the planted regression the gate must
// catch. It also counts the loop's heap allocations (every operator new in this process goes through the
// counter below) and prints "allocations_per_request X": an exact figure that needs no valgrind. Exit 0, or 2
// on a bad command line.
#include <gnu/libc-version.h>
#include <http_parser.h>

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <new>
#include <string>

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

// Keeps the optimiser from dropping work whose result is otherwise unused.
volatile std::size_t sink = 0;
// Relaxed: JobQueue's worker thread may allocate too; only the loop's own thread is between the two reads.
std::atomic<std::uint64_t> allocations{0};
}  // namespace

// Every C++ allocation (std::string, std::vector, nlohmann::json, make_unique) reaches one of these two.
void* operator new(std::size_t size) {
    allocations.fetch_add(1, std::memory_order_relaxed);
    if (void* p = std::malloc(size ? size : 1)) return p;
    throw std::bad_alloc();
}
void* operator new[](std::size_t size) {
    return ::operator new(size);
}
void operator delete(void* p) noexcept {
    std::free(p);
}
void operator delete[](void* p) noexcept {
    std::free(p);
}
void operator delete(void* p, std::size_t) noexcept {
    std::free(p);
}
void operator delete[](void* p, std::size_t) noexcept {
    std::free(p);
}

// extern "C" and noinline: callgrind's --toggle-collect finds it by this exact name.
extern "C" __attribute__((noinline)) void slowio_icount_loop(long iterations, bool plant_allocation) {
    slowio::Metrics metrics;
    slowio::JobQueue jobs(1, 1, &metrics);
    slowio::Handler handler(jobs, metrics);
    slowio::RequestParser parser;
    const slowio::StoreResult row{slowio::SlowStore::seeded_user(4242), ""};
    const std::string date{"Wed, 02 Dec 2026 13:00:00 GMT"};  // fixed: the clock is not the hot path
    const std::uint64_t allocations_before = allocations.load(std::memory_order_relaxed);
    for (long i = 0; i < iterations; ++i) {
        parser.consume(typical_request.data(), typical_request.size());
        const slowio::HttpRequest request = parser.take();
        auto outcome = handler.handle(request);
        const auto* call = std::get_if<slowio::StoreCall>(&outcome);
        if (!call) std::abort();  // the route changed: the count would measure something else
        const auto response = handler.finish(*call, row);
        const auto bytes = slowio::serialize(response, request.keep_alive, date);
        sink = sink + bytes.size();
        if (plant_allocation) {
            auto extra = std::make_unique<char[]>(64);
            std::memset(extra.get(), static_cast<int>(i), 64);
            sink = sink + static_cast<unsigned char>(extra[static_cast<std::size_t>(i) % 64]);
        }
    }
    const auto counted = allocations.load(std::memory_order_relaxed) - allocations_before;
    std::printf("allocations_per_request %.3f\n",
                static_cast<double>(counted) / static_cast<double>(iterations));
}

int main(int argc, char** argv) {
    long iterations = 20000;
    bool plant = false;
    for (int i = 1; i < argc; ++i) {
        const std::string a = argv[i];
        if (a == "--iterations" && i + 1 < argc) {
            char* end = nullptr;
            iterations = std::strtol(argv[++i], &end, 10);
            if (*end != '\0' || iterations < 1) {
                std::fprintf(stderr, "hot_path_icount: --iterations must be a positive integer\n");
                return 2;
            }
        } else if (a == "--plant-allocation") {
            plant = true;
        } else if (a == "--version") {
            // Everything that changes the instructions executed: code generation and the shared libraries
            // run.
            const unsigned long hp = http_parser_version();
            std::printf("%s %s %s glibc-%s http_parser-%lu.%lu.%lu\n", SLOWIO_ICOUNT_COMPILER,
                        SLOWIO_ICOUNT_BUILD_TYPE, SLOWIO_ICOUNT_FLAGS, gnu_get_libc_version(),
                        (hp >> 16) & 255, (hp >> 8) & 255, hp & 255);
            return 0;
        } else {
            std::fprintf(
                stderr,
                "hot_path_icount: unknown argument '%s' (--iterations N, --plant-allocation, --version)\n",
                argv[i]);
            return 2;
        }
    }
    slowio_icount_loop(iterations, plant);
    std::printf("requests %ld\n", iterations);
    return 0;
}
