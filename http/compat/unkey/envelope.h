// The Unkey v2 envelope (docs/compat.md, Unkey): every answer is {"meta":{"requestId"},"data":…}
// (listKeys adds "pagination"), every error {"meta","error":{"title","detail","status","type",
// "errors"?}}. The pinned @unkey/api client matches its typed errors for 400, 401, 403, 404 and
// 500 only on application/json and 429 only on application/problem+json, so the media type
// follows the status.
#pragma once
#include <string>

#include <nlohmann/json.hpp>

#include "domain/status.h"
#include "http/reply.h"

namespace kl::http::unkey {

// 200 {"meta":{"requestId"},"data":data}.
Reply DataReply(const nlohmann::json& data, const std::string& request_id);
// The same with "pagination": {"cursor"?, "hasMore"} (cursor omitted on the last page).
Reply PageReply(const nlohmann::json& data, const std::optional<std::string>& cursor, const std::string& request_id);
// A keyledger Status as an Unkey error. kTenantInactive answers 403 (Unkey has no 402);
// a 400 always carries "errors" (the client requires the array), each field renamed to the
// member the Unkey request used (UnkeyLocation).
Reply ErrorReply(const Status& status, const std::string& request_id);

// The Unkey request member that a keyledger field name stands for, as a location
// ("expires_at" -> "body.expires", "credits.refill.amount" -> "body.credits.refill.amount").
std::string UnkeyLocation(const std::string& keyledger_field);

}  // namespace kl::http::unkey
