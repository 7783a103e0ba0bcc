// The widget's answers, in the shapes of @workos-inc/widgets 1.18.0's dist/esm/api/endpoint.d.ts
// (camelCase members, RFC 3339 times) and its error bodies ({message, errors?}): every answer is
// JSON, since the widget parses each one, deletes included (docs/compat.md, Widget).
#pragma once
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "domain/key.h"
#include "http/reply.h"

namespace kl::http::widgets {

struct PageLinks {
  std::optional<std::string> before;
  std::optional<std::string> after;
};

// ListOrganizationApiKeysResponseData; with `user_owned`, ListUserApiKeysResponseData's owner too.
nlohmann::json KeyJson(const KeyState& key, bool user_owned);
// CreateOrganizationApiKeyResponse: the key and its plaintext `value`, shown once.
nlohmann::json CreatedKeyJson(const KeyState& key, const std::string& value);
// {data, list_metadata: {before?, after?}}: absent links are omitted, as the type declares them.
nlohmann::json ListJson(nlohmann::json data, const PageLinks& links);
// ListOrganizationApiKeyPermission: id and slug are the permission, name too (keyledger keeps no
// display names for permissions yet).
nlohmann::json PermissionJson(const std::string& permission);

// {message, code, errors: [{field, code}]} with the status's HTTP code (kUnauthenticated 401,
// kPermissionDenied 403, ...).
Reply WidgetError(const Status& status);

}  // namespace kl::http::widgets
