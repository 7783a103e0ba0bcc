#include "storage/pg_cursors.h"

#include "tests/unit/storage/pg_fixtures.h"

using namespace kl;
using namespace kl::storage;

TEST_CASE("pg cursors: a shared position only moves forward", "[storage][pg][cluster]") {
  const std::string db = test::SharedPg().conninfo(test::SharedPg().CreateDatabase());
  auto log = test::OpenPgLog(db);  // migrates the schema
  PgCursors a(db, std::chrono::milliseconds(5000)), b(db, std::chrono::milliseconds(5000));
  auto none = a.Get("webhook:w1");
  REQUIRE(none.ok());
  CHECK(*none == 0);
  REQUIRE(a.Advance("webhook:w1", 7).ok());
  REQUIRE(b.Advance("webhook:w1", 5).ok());  // a late writer behind: ignored
  auto seen = b.Get("webhook:w1");
  REQUIRE(seen.ok());
  CHECK(*seen == 7);
  REQUIRE(b.Advance("webhook:w1", 9).ok());
  CHECK(*a.Get("webhook:w1") == 9);
  CHECK(*a.Get("webhook:w2") == 0);
  log->Stop();
}
