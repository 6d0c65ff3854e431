#include "core/SeededUsers.hpp"

#include <fmt/format.h>

#include <cctype>
#include <ctime>
#include <iterator>

namespace slowio {

namespace {

std::uint64_t splitmix64(std::uint64_t x) {
    x += 0x9e3779b97f4a7c15ULL;
    x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
    x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
    return x ^ (x >> 31);
}

constexpr const char* first_names[] = {
    "Ada", "Alan",   "Barbara", "Brian",    "Donald",  "Edsger", "Frances", "Grace", "Ivan", "John",
    "Ken", "Leslie", "Linus",   "Margaret", "Niklaus", "Radia",  "Robin",   "Shafi", "Tony", "Yukihiro"};
constexpr const char* last_names[] = {"Allen",   "Backus",     "Cerf",     "Dijkstra", "Engelbart",
                                      "Floyd",   "Goldwasser", "Hamilton", "Hopper",   "Kahn",
                                      "Knuth",   "Lamport",    "Liskov",   "Lovelace", "McCarthy",
                                      "Perlman", "Ritchie",    "Thompson", "Torvalds", "Wirth"};
constexpr std::size_t name_count = std::size(first_names);

}  // namespace

User seeded_user(std::int64_t id) {
    const std::uint64_t h = splitmix64(static_cast<std::uint64_t>(id));
    User user;
    user.id = id;
    const std::string first = first_names[h % name_count];
    const std::string last = last_names[(h / name_count) % name_count];
    user.name = first + " " + last;
    std::string local = first + "." + last;
    for (char& c : local) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    user.email = fmt::format("{}{}@example.com", local, id);
    // 2020-01-01T00:00:00Z plus about an hour per id: distinct, ordered, reproducible.
    const std::time_t t = 1577836800 + static_cast<std::time_t>(id) * 3607;
    std::tm tm{};
    gmtime_r(&t, &tm);
    char buf[32];
    user.created_at.assign(buf, std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm));
    return user;
}

}  // namespace slowio
