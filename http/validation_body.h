// The POST /v1/validations body read without building a JSON DOM: the hot path's plain shape
// ({"value": "...", "required_permissions": [...], "ip": "...", "user_agent": "..."}). Any
// other shape (a wrong type, nesting, invalid JSON) returns nullopt and the caller reads the
// body through the DOM path, which names every bad field.
#pragma once
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace kl::http {

struct ValidationBody {
  std::optional<std::string> value;
  std::optional<std::vector<std::string>> required_permissions;
  std::optional<std::string> ip;
  std::optional<std::string> user_agent;
};

std::optional<ValidationBody> ReadValidationBodyFast(std::string_view body);

}  // namespace kl::http
