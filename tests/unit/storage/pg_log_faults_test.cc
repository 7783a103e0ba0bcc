// PgLog when PostgreSQL goes away: appends fail with kUnavailable while it is down, none that
// was acknowledged is lost, none that is in the log was reported as failed, and the log
// reconnects by itself. Each test runs its own server, since it stops or reconfigures it.
#include <atomic>
#include <map>
#include <mutex>
#include <set>
#include <thread>

#include "tests/unit/storage/pg_fixtures.h"

using namespace kl;
using namespace kl::storage;
using kl::test::AppendWithin;
using kl::test::KeyEvent;
using kl::test::OrgEvent;

TEST_CASE("PgLog through a server crash: outage appends fail, acknowledged ones stay, it reconnects", "[pg]") {
  test::PgServer server;
  std::string conninfo = server.conninfo(server.CreateDatabase());
  auto log = test::OpenPgLog(conninfo);

  // Appenders that keep going through the crash, each on its own stream. A failed append is
  // retried as a new event with the same expected version: had a "failed" one been committed
  // after all, the retry would conflict.
  std::mutex mu;
  std::set<std::string> acknowledged, refused;
  std::map<Code, int> codes;
  std::atomic<bool> stop{false};
  std::atomic<int> acked_count{0};
  std::vector<std::thread> appenders;
  for (int t = 0; t < 4; ++t)
    appenders.emplace_back([&, t] {
      std::string key = "key_" + std::to_string(t);
      for (uint64_t v = 1; !stop;) {
        Event e = KeyEvent("acme", key, v);
        AppendResult r = AppendWithin(*log, {e});
        std::lock_guard lock(mu);
        codes[r.status.code()]++;
        if (r.status.ok()) {
          acknowledged.insert(e.id);
          ++v;
          acked_count++;
        } else {
          refused.insert(e.id);
          std::this_thread::sleep_for(std::chrono::milliseconds(10));  // pacing while it is down
        }
      }
    });
  auto wait_acks = [&](int more) {
    int target = acked_count + more;
    for (int i = 0; i < 3000 && acked_count < target; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(10));
    REQUIRE(acked_count >= target);
  };
  wait_acks(20);
  server.Crash();
  // While it is down every append is answered, with kUnavailable.
  auto down = AppendWithin(*log, {OrgEvent("outage", 1)});
  CHECK(down.status.code() == Code::kUnavailable);
  server.Start();
  wait_acks(20);  // it reconnected by itself
  stop = true;
  for (auto& a : appenders) a.join();

  std::vector<Event> all;
  REQUIRE(log->Read(0, 100000, &all).ok());
  std::set<std::string> in_log;
  for (const Event& e : all) in_log.insert(e.id);
  INFO("acknowledged " << acknowledged.size() << ", refused " << refused.size() << ", in the log " << in_log.size());
  for (const std::string& id : acknowledged) CHECK(in_log.count(id) == 1);
  for (const std::string& id : refused) CHECK(in_log.count(id) == 0);
  CHECK(in_log.size() == acknowledged.size());
  CHECK(codes.count(Code::kConflict) == 0);
  for (const auto& [code, n] : codes) {
    INFO("code " << static_cast<int>(code) << " x" << n);
    CHECK((code == Code::kOk || code == Code::kUnavailable));
  }
  CHECK(refused.size() >= 1);
  for (size_t i = 0; i < all.size(); ++i) {
    CHECK(all[i].seq == i + 1);
    if (i > 0) CHECK(all[i].prev_hash == all[i - 1].hash);
    CHECK(events::VerifySeal(all[i]));
  }
}

TEST_CASE("PgLog: a commit whose answer is lost is looked up, not reported as failed", "[pg]") {
  test::PgServer server;
  std::string conninfo = server.conninfo(server.CreateDatabase());
  auto log = test::OpenPgLog(conninfo);
  REQUIRE(AppendWithin(*log, {OrgEvent("acme", 1)}).status.ok());
  // A synchronous standby that does not exist: COMMIT is applied locally, then waits for it, so
  // the writer's round trip times out with the outcome unknown.
  server.Sql("postgres", "ALTER SYSTEM SET synchronous_standby_names = 'nobody'");
  server.ReloadUntil("synchronous_standby_names", "nobody");
  auto done = std::make_shared<std::promise<AppendResult>>();
  auto answer = done->get_future();
  log->Append({OrgEvent("acme", 2)}, true, [done](AppendResult r) { done->set_value(std::move(r)); });
  // Not answered while in doubt (the op timeout is 2 s; give it several).
  CHECK(answer.wait_for(std::chrono::seconds(6)) == std::future_status::timeout);
  // Other appends meanwhile are refused: the head depends on the outcome.
  CHECK(AppendWithin(*log, {OrgEvent("beta", 1)}).status.code() == Code::kUnavailable);
  server.Sql("postgres", "ALTER SYSTEM RESET synchronous_standby_names");
  server.ReloadUntil("synchronous_standby_names", "");
  REQUIRE(answer.wait_for(std::chrono::seconds(60)) == std::future_status::ready);
  AppendResult r = answer.get();
  INFO(r.status.message());
  REQUIRE(r.status.ok());
  CHECK(r.events[0].seq == 2);
  CHECK(AppendWithin(*log, {OrgEvent("acme", 3)}).status.ok());
  std::vector<Event> all;
  REQUIRE(log->Read(0, 100, &all).ok());
  REQUIRE(all.size() == 3);
  CHECK(all[1].id == r.events[0].id);
}
