#pragma once
/// \file An enum flag's one table of {value, name, help}: parsing, to_string and the --help text all read it,
/// so a value's name is written once (a second list drifts: a name added to the parser but not to the help).
/// CLI11 is not included here (it costs about 6 s of compile time per translation unit): add_option() is
/// defined in core/NameTableOption.hpp, which only the files that build a command line include.

#include <array>
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace CLI {
class App;
class Option;
}  // namespace CLI

namespace slowio {

/// One value of an enum flag: the enumerator, its name on the command line, what it does (--help).
template <typename Enum>
struct NamedValue {
    Enum value;             ///< the enumerator
    std::string_view name;  ///< as typed after the flag, and as to_string() gives it
    std::string_view help;  ///< what this value does, for --help
};

/// Every value of an enum flag, in --help order. Build one with name_table<Enum>({...}).
template <typename Enum, std::size_t N>
struct NameTable {
    std::array<NamedValue<Enum>, N> entries;  ///< one per enumerator

    /// The command-line name of `value`; "unknown" for a value the table lacks (a bug, not an input).
    constexpr std::string_view name(Enum value) const {
        for (const auto& e : entries) {
            if (e.value == value) return e.name;
        }
        return "unknown";
    }

    /// The value named `text` exactly (case matters, as for every flag), or nullopt.
    constexpr std::optional<Enum> parse(std::string_view text) const {
        for (const auto& e : entries) {
            if (e.name == text) return e.value;
        }
        return std::nullopt;
    }

    /// The names in table order: what CLI::IsMember checks and --help shows as `TEXT:{a,b}`.
    std::vector<std::string> names() const {
        std::vector<std::string> out;
        for (const auto& e : entries) out.emplace_back(e.name);
        return out;
    }

    /// "name: help" for every value, joined by `separator`: the flag's --help text.
    std::string describe(std::string_view separator) const {
        std::string out;
        for (const auto& e : entries) {
            if (!out.empty()) out += separator;
            out.append(e.name).append(": ").append(e.help);
        }
        return out;
    }

    /// Adds `flag` to `app`, bound to `target`: CLI::IsMember rejects any other name (exit 2 with its one
    /// line "X not in {a,b}"), and --help shows the names and `target`'s current value as the default.
    /// Defined in core/NameTableOption.hpp.
    CLI::Option* add_option(CLI::App& app, const std::string& flag, Enum& target,
                            const std::string& help) const;
};

/// The table of `entries`, N counted from the braces: name_table<Mode>({{Mode::a, "a", "..."}, ...}).
template <typename Enum, std::size_t N>
constexpr NameTable<Enum, N> name_table(const NamedValue<Enum> (&entries)[N]) {
    NameTable<Enum, N> table{};
    for (std::size_t i = 0; i < N; ++i) table.entries[i] = entries[i];
    return table;
}

}  // namespace slowio
