// The widget's listings: which of an org's keys a widget sees, its search (a case-insensitive
// substring of the name) and its paging (limit 1..100, default 10; `before` / `after` name keys),
// over the same org listing as /v1 (projections::ReadModel::ListKeys).
#pragma once
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "domain/key.h"
#include "http/compat/widgets/widget_render.h"
#include "http/context.h"
#include "http/services.h"

namespace kl::http::widgets {

// Whether a key is one the widget may show and act on. Keys with a management scope
// (apikeys:*) never are: they are the SaaS back-end's own credentials. The organization widget
// sees the org's keys that no user owns; the user widget sees user-owned keys, only the token's
// user's unless the token has widgets:user-api-keys:manage-all.
bool WidgetSees(const KeyState& key, const Principal& who, bool user_widget, bool manage_all);

struct WidgetListQuery {
  size_t limit = 10;
  std::optional<std::string> before;
  std::optional<std::string> after;
  std::string search;  // lower-cased; empty: every key
};
[[nodiscard]] Result<WidgetListQuery> ReadWidgetListQuery(const RequestContext& ctx);

struct WidgetKeyPage {
  std::vector<KeyState> keys;  // newest first
  PageLinks links;
};
// Active keys of `org_id` that `visible` accepts and the search matches, one page of them.
[[nodiscard]] Result<WidgetKeyPage> ListWidgetKeys(const projections::ReadModel& reads, const std::string& org_id,
                                                   const std::function<bool(const KeyState&)>& visible,
                                                   const WidgetListQuery& q, Millis now);

// The permissions the org's widget offers (permission slugs): the operator's configured list and
// the permissions its active keys carry, management scopes excepted, sorted. Roles, once they
// exist, add theirs here.
std::vector<std::string> OfferedPermissions(const projections::ReadModel& reads, const std::string& org_id,
                                            const std::vector<std::string>& configured, Millis now);

}  // namespace kl::http::widgets
