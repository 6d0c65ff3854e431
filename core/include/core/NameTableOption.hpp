#pragma once
/// \file NameTable::add_option(), apart from NameTable.hpp so that only the translation units that build a
/// command line pay for CLI11 (a header-only library of about 6 s of compile time each).

#include <CLI/CLI.hpp>
#include <string>

#include "core/NameTable.hpp"

namespace slowio {

template <typename Enum, std::size_t N>
CLI::Option* NameTable<Enum, N>::add_option(CLI::App& app, const std::string& flag, Enum& target,
                                            const std::string& help) const {
    // Copies of the table, not references: CLI11 keeps the callback for the life of the App.
    return app
        .add_option_function<std::string>(
            flag,
            [&target, table = *this](const std::string& text) {
                if (const auto value = table.parse(text)) target = *value;  // IsMember ran first
            },
            help)
        ->check(CLI::IsMember(names()))
        ->default_str(std::string(name(target)));
}

}  // namespace slowio
