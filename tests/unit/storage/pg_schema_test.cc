#include "storage/pg_schema.h"

#include <latch>
#include <thread>

#include "tests/unit/storage/pg_fixtures.h"

using namespace kl;
using namespace kl::storage;

namespace {
PgDeadline Soon() { return std::chrono::steady_clock::now() + std::chrono::seconds(30); }

int64_t SchemaRows(PgConnection& conn) {
  PgRun run = test::MustRun(conn, {PgQuery{"SELECT count(*) FROM keyledger_schema"}});
  return run.results[0].Int(0, 0);
}
}  // namespace

TEST_CASE("the schema is created on an empty database, and migrating again changes nothing", "[pg]") {
  std::string conninfo = test::SharedPg().conninfo(test::SharedPg().CreateDatabase());
  auto conn = test::RawConnection(conninfo);
  auto first = MigratePgSchema(*conn, Soon());
  INFO(first.status().message());
  REQUIRE(first.ok());
  CHECK(*first == 0);
  auto again = MigratePgSchema(*conn, Soon());
  REQUIRE(again.ok());
  CHECK(*again == PgSchemaVersionKnown());
  CHECK(SchemaRows(*conn) == PgSchemaVersionKnown());
  PgRun head = test::MustRun(*conn, {PgQuery{"SELECT seq FROM keyledger_head"}});
  REQUIRE(head.results[0].rows() == 1);
  CHECK(head.results[0].Int(0, 0) == 0);
}

TEST_CASE("nodes starting at once on an empty database come up on one schema", "[pg]") {
  std::string conninfo = test::SharedPg().conninfo(test::SharedPg().CreateDatabase());
  constexpr int kNodes = 4;
  std::latch start(kNodes);
  std::vector<Status> opened(kNodes);
  std::vector<std::unique_ptr<PgLog>> logs(kNodes);
  std::vector<std::thread> threads;
  for (int i = 0; i < kNodes; ++i)
    threads.emplace_back([&, i] {
      start.arrive_and_wait();
      auto log = PgLog::Open(test::FastOptions(conninfo));
      opened[i] = log.status();
      if (log.ok()) logs[i] = std::move(*log);
    });
  for (auto& t : threads) t.join();
  for (const Status& s : opened) {
    INFO(s.message());
    CHECK(s.ok());
  }
  auto conn = test::RawConnection(conninfo);
  CHECK(SchemaRows(*conn) == PgSchemaVersionKnown());
  // And they share one log.
  REQUIRE(logs[0]);
  REQUIRE(test::AppendWithin(*logs[0], {test::OrgEvent("acme", 1)}).status.ok());
  REQUIRE(logs[kNodes - 1]);
  CHECK(test::AppendWithin(*logs[kNodes - 1], {test::OrgEvent("acme", 1)}).status.code() == Code::kConflict);
}

TEST_CASE("a database whose schema is newer than this build knows is refused", "[pg]") {
  std::string conninfo = test::SharedPg().conninfo(test::SharedPg().CreateDatabase());
  auto conn = test::RawConnection(conninfo);
  REQUIRE(MigratePgSchema(*conn, Soon()).ok());
  test::MustRun(*conn, {PgQuery{"INSERT INTO keyledger_schema (version, description) VALUES ($1, 'from the future')",
                                {PgParam::Int(PgSchemaVersionKnown() + 1)}}});
  auto refused = MigratePgSchema(*conn, Soon());
  REQUIRE_FALSE(refused.ok());
  CHECK(refused.status().code() == Code::kPreconditionFailed);
  auto log = PgLog::Open(test::FastOptions(conninfo));
  REQUIRE_FALSE(log.ok());
  CHECK(log.status().code() == Code::kPreconditionFailed);
  // The migration lock was given back: nothing waits on it.
  auto other = test::RawConnection(conninfo);
  PgRun lock = test::MustRun(*other, {PgQuery{"SELECT pg_try_advisory_lock(7740391493003011437)"}});
  CHECK(lock.results[0].Value(0, 0) == "t");
}
