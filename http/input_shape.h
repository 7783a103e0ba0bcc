// The members a request may carry. Every /v1 route declares the body members and query
// parameters it knows; anything else is refused with 400 validation_error naming it (and the
// known name it is closest to), because a security service that silently drops a misspelled
// `ip_allowlist` or `required_permissions` fails open. docs/api.md, "Unknown fields".
#pragma once
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "domain/status.h"

namespace kl::http {

// A JSON object of fixed shape. A member with a `nested` shape is checked inside when its value
// is an object, or in each object of its value when that is an array ("keys[2].nme"); a member
// without one is not looked into (scalars, arrays of scalars, and free-form objects such as
// `metadata`).
struct BodyShape {
  struct Member {
    std::string_view name;
    const BodyShape* nested = nullptr;
  };
  std::vector<Member> members;
};

// The query parameters a route knows.
using QueryShape = std::vector<std::string_view>;
inline const QueryShape kNoQuery{};

// What a /v1 route declares when it is added to the router: its query parameters and, when it
// reads a body, the body's shape (null: the route takes no body).
struct RouteInput {
  QueryShape query;
  const BodyShape* body = nullptr;
};

// Unknown members of `value` (an object, or an array whose object elements have `shape`),
// named by their path: "ip_alowlist", "credits.refill.amout", "[2].tokn". At most the first 32
// are named (each name cut at 64 bytes).
[[nodiscard]] FieldErrors UnknownMembers(const nlohmann::json& value, const BodyShape& shape);
// Unknown parameters of a query string.
[[nodiscard]] FieldErrors UnknownParameters(const std::map<std::string, std::string>& query,
                                            const QueryShape& known);

// The 400 for unknown names: details.fields holds each one, the message the first with its
// suggestion ("unknown field ip_alowlist; did you mean ip_allowlist?").
[[nodiscard]] Status UnknownFieldsError(const FieldErrors& unknown);

// The known name nearest to `name` within edit distance 2 (ties: the first declared), for the
// "did you mean" hint; nullopt when none is that close.
std::optional<std::string_view> ClosestName(std::string_view name, const std::vector<std::string_view>& known);

}  // namespace kl::http
