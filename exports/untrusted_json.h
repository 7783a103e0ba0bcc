// Reading JSON that came from elsewhere (an export's manifest and file, given to an auditor):
// bounded nesting, and fields read only as the type they must have. nlohmann's parser is
// iterative, but copying, comparing, dumping and canonicalising recurse, and its typed getters
// throw on a wrong type or (for a float read as an integer) convert with undefined behaviour.
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

namespace kl::exports {

// The JSON value in `text`, or nullopt when it is not valid JSON or nests deeper than
// `max_depth` arrays and objects (counted before parsing, so nothing deep is ever built).
std::optional<nlohmann::json> ParseBoundedJson(std::string_view text, int max_depth);

// `obj[name]` when `obj` is an object holding a string there; else nullopt.
std::optional<std::string> StringField(const nlohmann::json& obj, const char* name);

// `obj[name]` when it is a non-negative integer (not a float: 1e300 has no uint64 value).
std::optional<uint64_t> UnsignedField(const nlohmann::json& obj, const char* name);

}  // namespace kl::exports
