#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace slowio::loadgen {

/// An http:// target split into the parts a client needs. Only plain HTTP: the suite runs on loopback.
struct Url {
    std::string host;         ///< host name or IPv4/IPv6 literal, without brackets
    std::uint16_t port = 80;  ///< explicit port or 80
    std::string path = "/";   ///< path plus query, always starting with '/'

    /// "host:port" as sent in the Host header (IPv6 literals bracketed).
    std::string authority() const;
    /// The URL back as text, for reports.
    std::string to_string() const;
};

/// Parses "http://host[:port][/path]". Returns nullopt (caller exits 2) for other schemes or a bad port.
std::optional<Url> parse_url(std::string_view text);

}  // namespace slowio::loadgen
