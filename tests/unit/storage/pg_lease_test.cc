#include "storage/pg_lease.h"

#include <thread>

#include "tests/unit/storage/pg_fixtures.h"

using namespace kl;
using namespace kl::storage;
using kl::test::OrgEvent;

namespace {

std::string NewDb() { return test::SharedPg().conninfo(test::SharedPg().CreateDatabase()); }

PgLease MakeLease(const std::string& conninfo, const std::string& holder, std::chrono::milliseconds ttl) {
  return PgLease(PgLeaseOptions{conninfo, "background", holder, ttl, std::chrono::milliseconds(5000)});
}

std::optional<LeaseGrant> Acquire(PgLease& lease) {
  auto got = lease.AcquireOrRenew();
  INFO(got.status().message());
  REQUIRE(got.ok());
  return *got;
}

AppendResult AppendFencedWithin(EventLog& log, std::vector<Event> events, AppendFence fence) {
  auto done = std::make_shared<std::promise<AppendResult>>();
  auto answer = done->get_future();
  log.AppendFenced(std::move(events), true, std::move(fence), [done](AppendResult r) { done->set_value(std::move(r)); });
  if (answer.wait_for(std::chrono::seconds(60)) != std::future_status::ready) FAIL("an append was never answered");
  return answer.get();
}

}  // namespace

TEST_CASE("pg lease: one holder at a time; the loser's fenced append is refused; expiry moves it",
          "[storage][pg][cluster]") {
  const std::string db = NewDb();
  auto log = test::OpenPgLog(db);  // migrates the schema
  PgLease a = MakeLease(db, "node-a", std::chrono::milliseconds(1500));
  PgLease b = MakeLease(db, "node-b", std::chrono::milliseconds(1500));

  auto first = Acquire(a);
  REQUIRE(first);
  CHECK_FALSE(Acquire(b));  // held by a, not expired
  auto renewed = Acquire(a);
  REQUIRE(renewed);
  CHECK(renewed->token == first->token);  // renewing keeps the token

  // a's token is current: its fenced append commits.
  AppendFence a_fence{"background", first->token};
  CHECK(AppendFencedWithin(*log, {OrgEvent("o1", 1)}, a_fence).status.ok());

  // a stops renewing (paused, partitioned): once expired, b takes the lease with a newer token.
  std::optional<LeaseGrant> taken;
  auto until = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (!(taken = Acquire(b)) && std::chrono::steady_clock::now() < until)
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  REQUIRE(taken);
  CHECK(taken->token > first->token);
  CHECK_FALSE(Acquire(a));  // a cannot take it back while b holds it

  // a's late append, made on its old token, is refused and writes nothing; b's commits.
  auto stale = AppendFencedWithin(*log, {OrgEvent("o1", 2)}, a_fence);
  CHECK(stale.status.code() == Code::kPreconditionFailed);
  CHECK(log->HeadSeq() == 1);
  CHECK(AppendFencedWithin(*log, {OrgEvent("o1", 2)}, AppendFence{"background", taken->token}).status.ok());
  CHECK(log->HeadSeq() == 2);
  // A fence on a lease nobody ever took is refused too; unfenced appends are not affected.
  CHECK(AppendFencedWithin(*log, {OrgEvent("o2", 1)}, AppendFence{"never-taken", 1}).status.code() ==
        Code::kPreconditionFailed);
  CHECK(test::AppendWithin(*log, {OrgEvent("o2", 1)}).status.ok());
  log->Stop();
}

TEST_CASE("pg lease: a released lease is taken at once by another holder", "[storage][pg][cluster]") {
  const std::string db = NewDb();
  auto log = test::OpenPgLog(db);
  PgLease a = MakeLease(db, "node-a", std::chrono::milliseconds(60000));
  PgLease b = MakeLease(db, "node-b", std::chrono::milliseconds(60000));
  auto held = Acquire(a);
  REQUIRE(held);
  CHECK_FALSE(Acquire(b));
  REQUIRE(a.Release().ok());
  auto taken = Acquire(b);
  REQUIRE(taken);  // without waiting for the minute's expiry
  CHECK(taken->token == held->token + 1);
  log->Stop();
}

TEST_CASE("pg lease: a fenced append and a plain one in one group: only the stale fence is refused",
          "[storage][pg][cluster]") {
  const std::string db = NewDb();
  auto log = test::OpenPgLog(db);
  PgLease a = MakeLease(db, "node-a", std::chrono::milliseconds(60000));
  auto held = Acquire(a);
  REQUIRE(held);
  // Queued together, so the writer is likely to take them as one group; either way each is
  // decided on its own.
  auto stale_done = std::make_shared<std::promise<AppendResult>>();
  auto plain_done = std::make_shared<std::promise<AppendResult>>();
  auto current_done = std::make_shared<std::promise<AppendResult>>();
  log->AppendFenced({OrgEvent("x", 1)}, true, AppendFence{"background", held->token + 1},
                    [stale_done](AppendResult r) { stale_done->set_value(std::move(r)); });
  log->Append({OrgEvent("y", 1)}, true, [plain_done](AppendResult r) { plain_done->set_value(std::move(r)); });
  log->AppendFenced({OrgEvent("z", 1)}, true, AppendFence{"background", held->token},
                    [current_done](AppendResult r) { current_done->set_value(std::move(r)); });
  CHECK(stale_done->get_future().get().status.code() == Code::kPreconditionFailed);
  CHECK(plain_done->get_future().get().status.ok());
  CHECK(current_done->get_future().get().status.ok());
  CHECK(log->HeadSeq() == 2);
  log->Stop();
}
