// The WorkOS list query (docs/compat.md, WorkOS, Lists). Paging itself runs against the real
// listing in tests/sdk/workos/workos.test.mjs and tests/unit/projections/projector_test.cc.
#include <catch2/catch.hpp>

#include "http/compat/workos/workos_list.h"

using namespace kl;
using namespace kl::http;

namespace {

Result<workos::ListQuery> Read(std::map<std::string, std::string> query) {
  RequestContext ctx;
  ctx.query = std::move(query);
  return workos::ReadListQuery(ctx);
}

}  // namespace

TEST_CASE("a WorkOS list defaults to 10 keys, newest first", "[http][workos]") {
  auto q = Read({});
  REQUIRE(q.ok());
  CHECK(q->limit == 10);
  CHECK_FALSE(q->ascending);
  CHECK_FALSE(q->before);
  CHECK_FALSE(q->after);
}

TEST_CASE("a WorkOS list reads limit, order and one anchor", "[http][workos]") {
  auto q = Read({{"limit", "3"}, {"order", "asc"}, {"after", "key_1"}});
  REQUIRE(q.ok());
  CHECK(q->limit == 3);
  CHECK(q->ascending);
  CHECK(q->after == "key_1");
  CHECK(Read({{"order", "desc"}, {"before", "key_1"}})->before == "key_1");
}

TEST_CASE("a WorkOS list refuses a bad limit or order, and both anchors at once", "[http][workos]") {
  CHECK(Read({{"limit", "0"}}).status().fields().count("limit") == 1);
  CHECK(Read({{"limit", "101"}}).status().fields().count("limit") == 1);
  CHECK(Read({{"order", "newest"}}).status().fields().count("order") == 1);
  auto both = Read({{"before", "key_1"}, {"after", "key_2"}});
  REQUIRE_FALSE(both.ok());
  CHECK(both.status().code() == Code::kValidation);
  CHECK(both.status().fields().count("before") == 1);
}
