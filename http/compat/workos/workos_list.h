// WorkOS list pagination (limit, before, after, order) over keyledger's key listing: `before`
// and `after` name keys, and each becomes a position in the org's listing
// (projections::ReadModel::ListCursorOf), read in whichever order the page needs.
#pragma once
#include <optional>
#include <string>
#include <vector>

#include "domain/status.h"
#include "http/compat/workos/workos_render.h"
#include "http/context.h"
#include "projections/read_model.h"

namespace kl::http::workos {

// The query of a WorkOS list: limit 1..100 (default 10), order asc|desc (default desc, newest
// first), at most one of before/after (a key id).
struct ListQuery {
  size_t limit = 10;
  bool ascending = false;
  std::optional<std::string> before;
  std::optional<std::string> after;
};
[[nodiscard]] Result<ListQuery> ReadListQuery(const RequestContext& ctx);

struct KeyPage {
  std::vector<KeyState> keys;  // in the order asked for
  ListMetadata meta;           // each set only when a page lies that way
};
// A page of the org's keys matching `filter`. An anchor (before/after) that is no key of the org
// is a 422 on that parameter.
[[nodiscard]] Result<KeyPage> ListPage(const projections::ReadModel& reads, const std::string& org_id,
                                       const projections::KeyFilter& filter, const ListQuery& q, Millis now);

}  // namespace kl::http::workos
