#include "http/compat/widgets/widget_list.h"

#include <algorithm>
#include <set>

#include "http/compat/widgets/widget_token.h"
#include "http/json_input.h"

namespace kl::http::widgets {

using Order = projections::ReadModel::ListOrder;

namespace {

std::string Lower(std::string s) {
  for (char& c : s)
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  return s;
}

bool HasManagementScope(const KeyState& key) {
  for (const auto& p : key.permissions)
    if (IsManagementScope(p)) return true;
  return false;
}

// Reads the org's active keys from `cursor` in `order`, keeping those `keep` accepts, until
// `want` are kept or the listing ends.
Result<std::vector<KeyState>> Scan(const projections::ReadModel& reads, const std::string& org_id,
                                   std::optional<std::string> cursor, Order order, size_t want, Millis now,
                                   const std::function<bool(const KeyState&)>& keep) {
  std::vector<KeyState> out;
  constexpr size_t kBatch = 100;
  while (out.size() < want) {
    auto page = reads.ListKeys(org_id, projections::KeyFilter{}, cursor, kBatch, now, order);
    if (!page.ok()) return page.status();
    for (auto& k : page->items) {
      if (!keep(k)) continue;
      out.push_back(std::move(k));
      if (out.size() == want) break;
    }
    if (!page->next_cursor || page->items.size() < kBatch) break;
    cursor = page->next_cursor;
  }
  return out;
}

}  // namespace

bool WidgetSees(const KeyState& key, const Principal& who, bool user_widget, bool manage_all) {
  if (key.org_id != who.widget_org_id || HasManagementScope(key)) return false;
  if (!user_widget) return key.owner.type != "user";
  return key.owner.type == "user" && (manage_all || key.owner.id == who.widget_user_id);
}

Result<WidgetListQuery> ReadWidgetListQuery(const RequestContext& ctx) {
  WidgetListQuery q;
  auto limit = QueryInt(ctx.Query("limit"), "limit", 1, 100);
  if (!limit.ok()) return limit.status();
  q.limit = static_cast<size_t>(limit->value_or(10));
  q.before = ctx.Query("before");
  q.after = ctx.Query("after");
  if (q.before && q.after) return Status::Validation({{"before", "cannot be combined with after"}});
  q.search = Lower(ctx.Query("search").value_or(""));
  return q;
}

Result<WidgetKeyPage> ListWidgetKeys(const projections::ReadModel& reads, const std::string& org_id,
                                     const std::function<bool(const KeyState&)>& visible, const WidgetListQuery& q,
                                     Millis now) {
  auto keep = [&](const KeyState& k) {
    return visible(k) && (q.search.empty() || Lower(k.name).find(q.search) != std::string::npos);
  };
  const std::optional<std::string>& anchor_id = q.before ? q.before : q.after;
  std::optional<std::string> cursor;
  if (anchor_id) {
    auto anchor = reads.GetKey(*anchor_id);
    if (!anchor || anchor->org_id != org_id)
      return Status::Validation({{q.before ? "before" : "after", "is not a key of this organization"}});
    cursor = projections::ReadModel::ListCursorOf(*anchor);
  }
  // One more than a page tells whether anything lies beyond it.
  auto keys = Scan(reads, org_id, cursor, q.before ? Order::kOldestFirst : Order::kNewestFirst, q.limit + 1, now, keep);
  if (!keys.ok()) return keys.status();
  WidgetKeyPage out;
  bool more = keys->size() > q.limit;
  if (more) keys->pop_back();
  out.keys = std::move(*keys);
  if (q.before) std::reverse(out.keys.begin(), out.keys.end());
  if (out.keys.empty()) return out;
  if (q.before) {
    if (more) out.links.before = out.keys.front().id;
    out.links.after = out.keys.back().id;  // the anchor lies after the page
  } else {
    if (q.after) out.links.before = out.keys.front().id;
    if (more) out.links.after = out.keys.back().id;
  }
  return out;
}

std::vector<std::string> OfferedPermissions(const projections::ReadModel& reads, const std::string& org_id,
                                            const std::vector<std::string>& configured, Millis now) {
  std::set<std::string> offered;
  for (const auto& p : configured)
    if (!IsManagementScope(p)) offered.insert(p);
  auto keys = Scan(reads, org_id, std::nullopt, Order::kNewestFirst, SIZE_MAX, now, [](const KeyState&) { return true; });
  if (keys.ok())
    for (const auto& k : *keys)
      for (const auto& p : k.permissions)
        if (!IsManagementScope(p)) offered.insert(p);
  return {offered.begin(), offered.end()};
}

}  // namespace kl::http::widgets
