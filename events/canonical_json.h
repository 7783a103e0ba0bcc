// RFC 8785 JSON Canonicalization Scheme: sorted keys (by UTF-16 code units), no whitespace,
// ECMAScript number formatting and minimal string escaping.
#pragma once
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

namespace kl::events {

// Throws std::domain_error for what RFC 8785 cannot express: NaN, Infinity, text that is not
// valid UTF-8 (and binary values). ToJson's output never contains any of them (see sanitize.h),
// so canonicalising an event cannot throw.
std::string Canonicalize(const nlohmann::json& value);

// RFC 8785's form of a string value, appended to `out`. Text that is not valid UTF-8 is first
// repaired as SanitizeJson repairs it (each ill-formed subpart becomes U+FFFD), so this is the
// canonical form of the sanitised rendering of any stored text.
void AppendCanonicalText(std::string_view text, std::string& out);

}  // namespace kl::events
