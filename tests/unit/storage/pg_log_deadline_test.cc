// PgLog under a slow commit: a queued change whose request deadline passes before it can enter a
// group is refused and never written (storage/append_deadline.h), the change in flight is
// answered with its real outcome, and the slow group is counted (docs/cluster.md).
#include <chrono>
#include <future>
#include <thread>

#include "storage/append_deadline.h"
#include "tests/unit/storage/pg_fixtures.h"

using namespace kl;
using namespace kl::storage;
using kl::test::KeyEvent;
using kl::test::OrgEvent;

namespace {

std::string NewDb() { return test::SharedPg().conninfo(test::SharedPg().CreateDatabase()); }

// Waits until some session waits for a lock (the log's writer, blocked behind the test's).
void WaitForLockWaiter(PgConnection& conn) {
  auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  for (;;) {
    PgRun r = test::MustRun(conn, {PgQuery{"SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock'"}});
    if (r.results[0].Int(0, 0) > 0) return;
    REQUIRE(std::chrono::steady_clock::now() < give_up);
    std::this_thread::yield();
  }
}

}  // namespace

TEST_CASE("PgLog refuses a change whose deadline passed in the queue, answers the one in flight, counts the slow commit",
          "[pg]") {
  const std::string db = NewDb();
  PgLogOptions options = test::FastOptions(db);
  options.slow_commit = std::chrono::milliseconds(50);
  auto opened = PgLog::Open(options);
  REQUIRE(opened.ok());
  PgLog& log = **opened;
  REQUIRE(test::AppendWithin(log, {OrgEvent("acme", 1)}).status.ok());

  // Another session holds the head row: the next group waits for it.
  auto holder = test::RawConnection(db);
  test::MustRun(*holder, {PgQuery{"BEGIN"}, PgQuery{"SELECT seq FROM keyledger_head FOR UPDATE"}});
  std::promise<AppendResult> in_flight;
  log.Append({KeyEvent("acme", "key_a", 1)}, true, [&](AppendResult r) { in_flight.set_value(std::move(r)); });
  auto watcher = test::RawConnection(db);
  WaitForLockWaiter(*watcher);

  // Queued behind it with a deadline that passes while the group waits.
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(100);
  std::promise<AppendResult> queued;
  {
    ScopedAppendDeadline scope(deadline);
    log.Append({KeyEvent("acme", "key_b", 1)}, true, [&](AppendResult r) { queued.set_value(std::move(r)); });
  }
  while (std::chrono::steady_clock::now() <= deadline) std::this_thread::yield();
  test::MustRun(*holder, {PgQuery{"COMMIT"}});

  auto a = in_flight.get_future();
  auto b = queued.get_future();
  REQUIRE(a.wait_for(std::chrono::seconds(30)) == std::future_status::ready);
  REQUIRE(b.wait_for(std::chrono::seconds(30)) == std::future_status::ready);
  CHECK(a.get().status.ok());
  AppendResult refused = b.get();
  CHECK(refused.status.code() == Code::kUnavailable);

  std::vector<Event> all;
  REQUIRE(log.Read(0, 100, &all).ok());
  REQUIRE(all.size() == 2);  // the org and key_a: key_b was never written
  CHECK(all[1].key_id == "key_a");
  LogStats stats = log.Stats();
  CHECK(stats.expired_appends == 1);
  CHECK(stats.slow_commits >= 1);  // key_a's group waited past 50 ms for the lock
  CHECK(stats.longest_commit_seconds >= 0.1);
  log.Stop();
}
