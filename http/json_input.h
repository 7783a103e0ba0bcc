// Reading request bodies and query strings into typed values. Type mistakes are collected per
// field (FieldErrors) so one 400 can name every bad field at once.
#pragma once
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "domain/event.h"
#include "domain/status.h"

namespace kl::http {

inline constexpr size_t kMaxBodyBytes = 64 * 1024;

// Parses a JSON body: 413 over the limit, 415 without application/json, 400 malformed_json
// for bad JSON, invalid UTF-8 or nesting deeper than a sane limit. An empty body is `{}` only
// when `allow_empty`.
Result<nlohmann::json> ParseJsonBody(const std::string& body, const std::optional<std::string>& content_type,
                                     bool allow_empty);

// Whether a Content-Type names application/json (parameters such as charset ignored).
bool IsJsonMediaType(std::string_view content_type);

// Field readers: absent -> nullopt; a wrong type (null included: a member the contract does not
// mark nullable may not be null) records an error under `name`.
class FieldReader {
 public:
  explicit FieldReader(const nlohmann::json& object) : obj_(object) {}
  std::optional<std::string> String(const char* name);
  std::optional<int64_t> Integer(const char* name);
  std::optional<bool> Bool(const char* name);
  std::optional<std::vector<std::string>> StringArray(const char* name);
  std::optional<nlohmann::json> Object(const char* name);
  // For PATCH: distinguishes absent (nullopt) from explicit null (optional holding nullopt).
  std::optional<std::optional<std::string>> NullableString(const char* name);
  bool Has(const char* name) const { return obj_.contains(name); }
  FieldErrors& errors() { return errors_; }

 private:
  const nlohmann::json& obj_;
  FieldErrors errors_;
};

// Query parameter parsing helpers; errors name the parameter.
Result<std::optional<int64_t>> QueryInt(const std::optional<std::string>& raw, const char* name, int64_t min,
                                        int64_t max);

}  // namespace kl::http
