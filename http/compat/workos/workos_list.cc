#include "http/compat/workos/workos_list.h"

#include <algorithm>

#include "http/json_input.h"

namespace kl::http::workos {

using Order = projections::ReadModel::ListOrder;

Result<ListQuery> ReadListQuery(const RequestContext& ctx) {
  ListQuery q;
  auto limit = QueryInt(ctx.Query("limit"), "limit", 1, 100);
  if (!limit.ok()) return limit.status();
  q.limit = static_cast<size_t>(limit->value_or(10));
  if (auto order = ctx.Query("order")) {
    if (*order != "asc" && *order != "desc") return Status::Validation({{"order", "must be asc or desc"}});
    q.ascending = *order == "asc";
  }
  q.before = ctx.Query("before");
  q.after = ctx.Query("after");
  if (q.before && q.after) return Status::Validation({{"before", "cannot be combined with after"}});
  return q;
}

namespace {

// Whether any key matching `filter` lies beyond `key` in `order`.
bool AnyBeyond(const projections::ReadModel& reads, const KeyState& key, const projections::KeyFilter& filter,
               Order order, Millis now) {
  auto page = reads.ListKeys(key.org_id, filter, projections::ReadModel::ListCursorOf(key), 1, now, order);
  return page.ok() && !page->items.empty();
}

}  // namespace

Result<KeyPage> ListPage(const projections::ReadModel& reads, const std::string& org_id,
                         const projections::KeyFilter& filter, const ListQuery& q, Millis now) {
  const Order shown = q.ascending ? Order::kOldestFirst : Order::kNewestFirst;
  const Order back = q.ascending ? Order::kNewestFirst : Order::kOldestFirst;
  const std::optional<std::string>& anchor_id = q.before ? q.before : q.after;
  std::optional<std::string> cursor;
  if (anchor_id) {
    auto anchor = reads.GetKey(*anchor_id);
    if (!anchor || anchor->org_id != org_id)
      return Status::Validation({{q.before ? "before" : "after", "is not a key of this organization"}});
    cursor = projections::ReadModel::ListCursorOf(*anchor);
  }
  // `before` reads back from its anchor, then shows the page in the order asked for.
  auto page = reads.ListKeys(org_id, filter, cursor, q.limit, now, q.before ? back : shown);
  if (!page.ok()) return page.status();
  KeyPage out;
  out.keys = std::move(page->items);
  if (q.before) std::reverse(out.keys.begin(), out.keys.end());
  if (!out.keys.empty()) {
    if (AnyBeyond(reads, out.keys.front(), filter, back, now)) out.meta.before = out.keys.front().id;
    if (AnyBeyond(reads, out.keys.back(), filter, shown, now)) out.meta.after = out.keys.back().id;
  }
  return out;
}

}  // namespace kl::http::workos
