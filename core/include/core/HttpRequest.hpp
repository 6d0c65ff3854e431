#pragma once
/// \file One parsed HTTP/1.x request, independent of any transport.

#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace slowio {

/// A complete HTTP/1.x request as produced by RequestParser.
struct HttpRequest {
    std::string method;  ///< e.g. "GET" (as http-parser spells it)
    std::string target;  ///< raw request-target, e.g. "/users/7?x=1"
    std::string path;    ///< target up to '?'
    std::string query;   ///< target after '?', without it ("" when absent)
    int version_major = 1;
    int version_minor = 1;
    std::vector<std::pair<std::string, std::string>> headers;  ///< in arrival order
    std::string body;
    bool keep_alive = true;  ///< after HTTP/1.0 vs 1.1 defaults and the Connection header

    /// First header with this name (case-insensitive), or nullptr.
    const std::string* header(std::string_view name) const;
    /// Value of query parameter `name`, or nullptr when absent (no percent-decoding: our routes take
    /// numbers).
    std::string_view query_param(std::string_view name, bool* found = nullptr) const;
};

}  // namespace slowio
