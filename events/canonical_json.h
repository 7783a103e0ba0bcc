// RFC 8785 JSON Canonicalization Scheme: sorted keys (by UTF-16 code units), no whitespace,
// ECMAScript number formatting and minimal string escaping.
#pragma once
#include <string>

#include <nlohmann/json.hpp>

namespace kl::events {

std::string Canonicalize(const nlohmann::json& value);

}  // namespace kl::events
