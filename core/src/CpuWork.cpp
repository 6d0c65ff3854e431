#include "core/CpuWork.hpp"

namespace slowio {

std::uint64_t run_cpu_work(std::uint32_t n) {
    // Each round depends on the previous one, so the compiler cannot vectorize or skip rounds.
    std::uint64_t x = n;
    for (std::uint32_t i = 0; i < n; ++i) {
        x += 0x9e3779b97f4a7c15ULL;
        x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
        x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
        x ^= x >> 31;
    }
    return x;
}

}  // namespace slowio
