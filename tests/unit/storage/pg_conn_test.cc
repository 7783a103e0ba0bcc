#include "tests/unit/storage/pg_fixtures.h"

using namespace kl;
using namespace kl::storage;

TEST_CASE("PgTextArray carries any text through a text[] parameter", "[pg]") {
  auto conn = test::RawConnection(test::SharedPg().conninfo());
  std::vector<std::string> values = {"plain",           "",     "with \"quotes\"", "back\\slash",
                                     "{braces},commas", "NULL", " spaced "};
  PgRun run = test::MustRun(*conn, {PgQuery{"SELECT v FROM unnest($1::text[]) WITH ORDINALITY AS t(v, i) ORDER BY i",
                                            {PgParam::Text(PgTextArray(values))}}});
  REQUIRE(run.results[0].rows() == static_cast<int>(values.size()));
  for (size_t i = 0; i < values.size(); ++i) {
    CHECK_FALSE(run.results[0].IsNull(static_cast<int>(i), 0));
    CHECK(run.results[0].Value(static_cast<int>(i), 0) == values[i]);
  }
}

TEST_CASE("a pipeline reports the first refused statement and skips the rest", "[pg]") {
  auto conn = test::RawConnection(test::SharedPg().conninfo());
  PgRun run = conn->Run({PgQuery{"SELECT 1"}, PgQuery{"SELECT 1/0"}, PgQuery{"SELECT 3"}},
                        std::chrono::steady_clock::now() + std::chrono::seconds(10));
  CHECK_FALSE(run.lost);
  CHECK(run.sqlstate == "22012");  // division_by_zero
  CHECK(run.results.size() == 1);
  CHECK(conn->usable());
  PgRun after = test::MustRun(*conn, {PgQuery{"SELECT 2"}});
  CHECK(after.results[0].Int(0, 0) == 2);
}

TEST_CASE("connecting to nothing fails with kUnavailable by the deadline", "[pg]") {
  auto refused = PgConnection::Connect("host=127.0.0.1 port=" + std::to_string(test::FreeLoopbackPort()),
                                       std::chrono::steady_clock::now() + std::chrono::seconds(10));
  REQUIRE_FALSE(refused.ok());
  CHECK(refused.status().code() == Code::kUnavailable);
}

TEST_CASE("a multi-host string connects to the host that takes writes", "[pg]") {
  // A read-only server stands in for a standby: target_session_attrs=read-write (the default
  // PgConnection adds) passes it over, as it passes over a host that is down.
  test::PgServer standby;
  standby.Sql("postgres", "ALTER SYSTEM SET default_transaction_read_only = on");
  standby.ReloadUntil("default_transaction_read_only", "on");
  int down = test::FreeLoopbackPort();
  int primary = test::SharedPg().port();
  auto conn = test::RawConnection("host=127.0.0.1,127.0.0.1,127.0.0.1 port=" + std::to_string(down) + "," +
                                  std::to_string(standby.port()) + "," + std::to_string(primary) +
                                  " user=postgres dbname=postgres");
  PgRun port = test::MustRun(*conn, {PgQuery{"SHOW port"}});
  CHECK(port.results[0].Value(0, 0) == std::to_string(primary));
}
