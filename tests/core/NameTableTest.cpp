#include <algorithm>
#include <catch2/catch.hpp>
#include <string>
#include <vector>

#include "core/NameTableOption.hpp"

using namespace slowio;

namespace {

enum class Colour { red, light_blue };

constexpr auto colours = name_table<Colour>({
    {Colour::red, "red", "warm"},
    {Colour::light_blue, "light-blue", "cold"},
});

/// Parses `args` with --colour only; returns CLI11's error text, empty when accepted.
std::string parse(std::vector<std::string> args, Colour& target) {
    CLI::App app{"test", "test"};
    colours.add_option(app, "--colour", target, colours.describe(" | "));
    std::reverse(args.begin(), args.end());  // CLI11 takes a vector in reverse order
    try {
        app.parse(args);
    } catch (const CLI::ParseError& e) {
        return e.what();
    }
    return {};
}

}  // namespace

TEST_CASE("one table: names, parsing and the help text agree", "[flags]") {
    static_assert(colours.name(Colour::light_blue) == "light-blue");
    static_assert(colours.parse("red") == Colour::red);
    CHECK_FALSE(colours.parse("Red").has_value());
    CHECK(colours.names() == std::vector<std::string>{"red", "light-blue"});
    CHECK(colours.describe(" | ") == "red: warm | light-blue: cold");
}

TEST_CASE("an enum flag binds its value and rejects other names in one line", "[flags]") {
    Colour c = Colour::red;
    CHECK(parse({"--colour", "light-blue"}, c).empty());
    CHECK(c == Colour::light_blue);
    CHECK(parse({"--colour", "green"}, c) == "--colour: green not in {red,light-blue}");
    CHECK(c == Colour::light_blue);

    CLI::App app{"test", "test"};
    colours.add_option(app, "--colour", c, colours.describe(" | "));
    CHECK_THAT(app.help(), Catch::Contains("--colour TEXT:{red,light-blue}=light-blue"));
    CHECK_THAT(app.help(), Catch::Contains("red: warm | light-blue: cold"));
}
