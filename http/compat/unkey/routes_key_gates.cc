// keys.updateCredits and keys.addPermissions / removePermissions / setPermissions: each a /v1
// key update (DecideUpdateKey) whose new value is computed from the key as it stands, inside the
// command, so a concurrent writer makes it re-read and recompute (http/command_runner.h).
#include <algorithm>

#include "http/compat/unkey/envelope.h"
#include "http/compat/unkey/key_requests.h"
#include "http/compat/unkey/key_view.h"
#include "http/compat/unkey/route_support.h"
#include "http/compat/unkey/routes.h"
#include "http/json_input.h"

namespace kl::http::unkey {

using nlohmann::json;

namespace {

// increment and decrement start from the balance as read (the live one: the read model overlays
// unflushed spends) and write the result as /v1's PATCH does. Like a PATCH, a balance written
// while spends are not yet flushed into the ledger is reduced by them when they are
// (projections/usage_tracker.h); docs/compat.md says so.
Result<std::optional<Credits>> NewCredits(const KeyState& key, const std::string& op,
                                          std::optional<int64_t> value) {
  if (op == "set") {
    if (!value) return std::optional<Credits>{};  // null: unlimited
    return std::optional<Credits>{Credits{*value, key.credits ? key.credits->refill : std::nullopt}};
  }
  if (!key.credits)
    return Status::Validation({{"operation", "the key has unlimited credits; use set to give it a balance"}});
  int64_t live = key.credits->remaining;
  int64_t next = op == "increment" ? live + *value : std::max<int64_t>(0, live - *value);
  return std::optional<Credits>{Credits{next, key.credits->refill}};
}

void UpdateCredits(Services& s, std::shared_ptr<RequestContext> ctx, json body, Respond respond) {
  FieldErrors errors;
  std::string key_id = RequiredString(body, "keyId", errors);
  std::string op = RequiredString(body, "operation", errors);
  if (!op.empty() && op != "set" && op != "increment" && op != "decrement")
    errors["operation"] = "must be set, increment or decrement";
  std::optional<int64_t> value;
  if (auto it = body.find("value"); it != body.end() && !it->is_null()) {
    if (!it->is_number_integer() || it->get<int64_t>() < 0) errors["value"] = "must be an integer, 0 or more";
    else value = it->get<int64_t>();
  }
  if (op != "set" && !value && !errors.count("value") && !errors.count("operation"))
    errors["value"] = "is required for increment and decrement";
  if (FailOnErrors(errors, *ctx, respond)) return;
  UpdateKey(
      s, ctx, key_id,
      [op, value](const KeyState& key) -> Result<UpdateKeyInput> {
        auto credits = NewCredits(key, op, value);
        if (!credits.ok()) return credits.status();
        UpdateKeyInput in;
        in.credits = *credits;
        return in;
      },
      respond,
      [&s, ctx, respond](const KeyState& key) {
        respond(DataReply(RenderCredits(key.credits, LiveCredits(s, key)), ctx->request_id));
      });
}

enum class PermissionChange { kAdd, kRemove, kSet };

std::vector<std::string> Changed(const std::vector<std::string>& current, const std::vector<std::string>& given,
                                 PermissionChange change) {
  if (change == PermissionChange::kSet) return given;
  std::vector<std::string> out;
  for (const auto& p : current)
    if (change == PermissionChange::kAdd || std::find(given.begin(), given.end(), p) == given.end()) out.push_back(p);
  if (change == PermissionChange::kAdd)
    for (const auto& p : given)
      if (std::find(out.begin(), out.end(), p) == out.end()) out.push_back(p);
  return out;
}

void ChangePermissions(Services& s, std::shared_ptr<RequestContext> ctx, json body, Respond respond,
                       PermissionChange change) {
  FieldErrors errors;
  std::string key_id = RequiredString(body, "keyId", errors);
  FieldReader f(body);
  auto given = f.StringArray("permissions");
  errors.insert(f.errors().begin(), f.errors().end());
  if (!given && !errors.count("permissions")) errors["permissions"] = "is required";
  if (FailOnErrors(errors, *ctx, respond)) return;
  UpdateKey(
      s, ctx, key_id,
      [given = *given, change](const KeyState& key) -> Result<UpdateKeyInput> {
        UpdateKeyInput in;
        in.permissions = Changed(key.permissions, given, change);
        return in;
      },
      respond, [ctx, respond](const KeyState& key) { respond(DataReply(RenderPermissions(key.permissions), ctx->request_id)); });
}

}  // namespace

void RegisterKeyGateRoutes(Router& router, Services& s) {
  router.Add("POST", "/v2/keys.updateCredits", {kNoQuery, &kUpdateCreditsBody},
             Route(s, [&s](auto ctx, json body, Respond respond) { UpdateCredits(s, ctx, std::move(body), respond); }));
  const std::pair<const char*, PermissionChange> kRoutes[] = {{"/v2/keys.addPermissions", PermissionChange::kAdd},
                                                              {"/v2/keys.removePermissions", PermissionChange::kRemove},
                                                              {"/v2/keys.setPermissions", PermissionChange::kSet}};
  for (const auto& [path, change] : kRoutes)
    router.Add("POST", path, {kNoQuery, &kPermissionsBody},
               Route(s, [&s, change = change](auto ctx, json body, Respond respond) {
                 ChangePermissions(s, ctx, std::move(body), respond, change);
               }));
}

}  // namespace kl::http::unkey
