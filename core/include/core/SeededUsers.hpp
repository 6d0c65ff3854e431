#pragma once
/// \file The deterministic rows of the `users` table, shared by every store backend (SQLite and PostgreSQL
/// seed the same rows, so the same request gives the same bytes on both).

#include <cstdint>
#include <string>

namespace slowio {

/// One row of the `users` table.
struct User {
    std::int64_t id = 0;
    std::string name;
    std::string email;
    std::string created_at;  ///< ISO-8601 UTC
};

/// The seeded row for `id` (1 ≤ id): a pure function of the id.
User seeded_user(std::int64_t id);

}  // namespace slowio
