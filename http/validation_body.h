// The POST /v1/validations body read without building a JSON DOM: the hot path's plain shape
// ({"value": "...", "required_permissions": [...], "ip": "...", "user_agent": "..."}). Any
// other shape (an unknown member, null, a wrong type, nesting, invalid JSON) returns nullopt and
// the caller reads the body through the DOM path, which names every bad or unknown field.
#pragma once
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "domain/status.h"
#include "http/input_shape.h"

namespace kl::http {

// docs/openapi.yaml, ValidationRequest.
extern const BodyShape kValidationBody;

struct ValidationBody {
  std::optional<std::string> value;
  std::optional<std::vector<std::string>> required_permissions;
  // required_permissions given as a query string (docs/access.md); only the DOM path reads it.
  std::optional<std::string> permission_query;
  std::optional<std::string> ip;
  std::optional<std::string> user_agent;
};

std::optional<ValidationBody> ReadValidationBodyFast(std::string_view body);

// The body as the DOM path reads it (after the fast readers declined): type mistakes, null
// included, go into `errors` under the member's name.
ValidationBody ReadValidationBody(const nlohmann::json& body, FieldErrors& errors);

// The first stage of ReadValidationBodyFast, exposed for its differential test: a single pass
// over the commonest bodies (the known members, whose names and string values are printable
// ASCII without escapes, and an array of such strings for required_permissions). nlohmann's SAX lexer
// builds each token a character at a time and was 17% of a validation's instructions; this pass
// is a few hundred. Whatever it declines (escapes, non-ASCII, numbers, nesting, bad JSON) goes to
// the SAX reader, so where it answers it must answer exactly as that reader does.
std::optional<ValidationBody> ScanPlainValidationBody(std::string_view body);

}  // namespace kl::http
