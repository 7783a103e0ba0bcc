#include <atomic>
#include <latch>
#include <map>
#include <thread>

#include "domain/time.h"
#include "storage/database.h"
#include "storage/rocks_log.h"
#include "tests/support/temp_dir.h"
#include "tests/unit/storage/pg_fixtures.h"

using namespace kl;
using namespace kl::storage;
using kl::test::AppendWithin;
using kl::test::KeyEvent;
using kl::test::OrgEvent;

namespace {

std::string HashBytes(const Hash32& h) { return std::string(reinterpret_cast<const char*>(h.data()), h.size()); }

// A sealed first event recorded at `at`.
Event SeedEvent(Millis at) {
  Event e = OrgEvent("seed", 1);
  e.seq = 1;
  e.recorded_at = at;
  events::Seal(e, Hash32{}, Hash32{});
  return e;
}

// Writes a sealed first event straight into each log's storage, as its append would have.
void SeedRocks(Database& db, const Event& e) {
  rocksdb::WriteBatch b;
  std::string stream_key = e.Stream();
  stream_key.push_back('\0');
  stream_key += EncodeBE64(e.stream_version);
  REQUIRE(b.Put(db.cf(kLogCf), EncodeBE64(e.seq), events::Encode(e)).ok());
  REQUIRE(b.Put(db.cf(kStreamsCf), stream_key, EncodeBE64(e.seq)).ok());
  REQUIRE(b.Put(db.cf(kOrgHeadsCf), e.org_id, HashBytes(e.org_hash)).ok());
  REQUIRE(db.db()->Write(rocksdb::WriteOptions(), &b).ok());
}
// No NOTIFY: other nodes find this event only by polling the head.
void SeedPg(PgConnection& conn, const Event& e) {
  test::MustRun(conn, {PgQuery{"BEGIN"},
                       PgQuery{"INSERT INTO keyledger_events VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
                               {PgParam::Int(e.seq), PgParam::Text(e.Stream()), PgParam::Int(e.stream_version),
                                PgParam::Text(e.org_id), PgParam::Int(e.recorded_at), PgParam::Bytes(HashBytes(e.hash)),
                                PgParam::Bytes(HashBytes(e.org_hash)), PgParam::Bytes(events::Encode(e))}},
                       PgQuery{"UPDATE keyledger_head SET seq = $1, hash = $2, recorded_at = $3",
                               {PgParam::Int(e.seq), PgParam::Bytes(HashBytes(e.hash)), PgParam::Int(e.recorded_at)}},
                       PgQuery{"INSERT INTO keyledger_org_heads VALUES ($1, $2, $3)",
                               {PgParam::Text(e.org_id), PgParam::Int(e.seq), PgParam::Bytes(HashBytes(e.org_hash))}},
                       PgQuery{"COMMIT"}});
}

std::string NewDb() { return test::SharedPg().conninfo(test::SharedPg().CreateDatabase()); }

std::vector<Event> ReadAll(const EventLog& log) {
  std::vector<Event> all;
  REQUIRE(log.Read(0, 1000000, &all).ok());
  return all;
}

// Both chains link through `all` (the whole log, in order) and every seal verifies.
void CheckChains(const std::vector<Event>& all) {
  Hash32 prev{};
  std::map<std::string, Hash32> org_prev;
  for (size_t i = 0; i < all.size(); ++i) {
    const Event& e = all[i];
    CHECK(e.seq == i + 1);
    CHECK(e.prev_hash == prev);
    CHECK(e.org_prev_hash == org_prev[e.org_id]);
    CHECK(events::VerifySeal(e));
    prev = e.hash;
    org_prev[e.org_id] = e.org_hash;
  }
}

}  // namespace

TEST_CASE("PgLog seals the same events into the same chains as RocksLog", "[pg]") {
  // Both logs start from the same first event, recorded a day ahead: recorded_at never goes
  // backwards, so every later event of both gets that time and must seal to the same hashes.
  const Event seed = SeedEvent(NowMillis() + 24 * 3600 * 1000);
  test::TempDir dir;
  auto db = Database::Open(dir.path(), {});
  REQUIRE(db.ok());
  SeedRocks(**db, seed);
  auto rocks = RocksLog::Open(db->get(), nullptr);
  REQUIRE(rocks.ok());
  std::string conninfo = NewDb();
  auto pg = test::OpenPgLog(conninfo);  // creates the schema
  SeedPg(*test::RawConnection(conninfo), seed);
  pg.reset();
  pg = test::OpenPgLog(conninfo);  // reads the seeded head
  REQUIRE(pg->Head().hash == seed.hash);

  std::vector<std::vector<Event>> appends = {
      {OrgEvent("acme", 1)},
      {OrgEvent("beta", 1), KeyEvent("beta", "key_b1", 1)},
      {KeyEvent("acme", "key_a1", 1), KeyEvent("acme", "key_a1", 2), OrgEvent("acme", 2)},
      {OrgEvent("acme", 2)},  // conflicts on both
      {KeyEvent("beta", "key_b1", 2)},
      {OrgEvent("gamma", 1), KeyEvent("gamma", "key_g1", 1), KeyEvent("acme", "key_a1", 3)},
      {KeyEvent("beta", "key_b1", 3), OrgEvent("beta", 2)},
  };
  for (const auto& events : appends) {
    AppendResult r = AppendWithin(**rocks, events);
    AppendResult p = AppendWithin(*pg, events);
    CHECK(r.status.code() == p.status.code());
    REQUIRE(r.events.size() == p.events.size());
    for (size_t i = 0; i < r.events.size(); ++i) CHECK(events::Encode(r.events[i]) == events::Encode(p.events[i]));
  }
  std::vector<Event> from_rocks = ReadAll(**rocks), from_pg = ReadAll(*pg);
  REQUIRE(from_pg.size() == 13);
  REQUIRE(from_rocks.size() == from_pg.size());
  for (size_t i = 0; i < from_pg.size(); ++i) {
    INFO("seq " << i + 1);
    CHECK(from_pg[i].hash == from_rocks[i].hash);
    CHECK(from_pg[i].org_hash == from_rocks[i].org_hash);
    CHECK(events::Encode(from_pg[i]) == events::Encode(from_rocks[i]));
  }
  CheckChains(from_pg);
  CHECK(pg->Head().seq == (*rocks)->Head().seq);
  CHECK(pg->Head().hash == (*rocks)->Head().hash);
  CHECK(pg->Head().recorded_at == (*rocks)->Head().recorded_at);
}

TEST_CASE("PgLog refuses stale or skipping expected versions and appends atomically", "[pg]") {
  auto log = test::OpenPgLog(NewDb());
  REQUIRE(AppendWithin(*log, {OrgEvent("acme", 1)}).status.ok());
  CHECK(AppendWithin(*log, {OrgEvent("acme", 1)}).status.code() == Code::kConflict);
  CHECK(AppendWithin(*log, {OrgEvent("acme", 3)}).status.code() == Code::kConflict);
  // The second event conflicts, so neither is written.
  CHECK(AppendWithin(*log, {OrgEvent("beta", 1), OrgEvent("acme", 1)}).status.code() == Code::kConflict);
  CHECK(log->HeadSeq() == 1);
  std::vector<Event> beta;
  REQUIRE(log->ReadStream("org:beta", 0, 10, &beta).ok());
  CHECK(beta.empty());
  auto next = AppendWithin(*log, {OrgEvent("acme", 2), OrgEvent("acme", 3)});
  REQUIRE(next.status.ok());
  CHECK(next.events[1].seq == 3);
  std::vector<Event> acme;
  REQUIRE(log->ReadStream("org:acme", 1, 10, &acme).ok());
  REQUIRE(acme.size() == 2);
  CHECK(acme[0].stream_version == 2);
  CHECK(acme[1].stream_version == 3);
  std::vector<Event> limited;
  REQUIRE(log->Read(1, 1, &limited).ok());
  REQUIRE(limited.size() == 1);
  CHECK(limited[0].seq == 2);
}

TEST_CASE("PgLog: eight nodes appending the same expected version: exactly one wins", "[pg]") {
  std::string conninfo = NewDb();
  constexpr int kNodes = 8;
  std::vector<std::unique_ptr<PgLog>> nodes;
  for (int i = 0; i < kNodes; ++i) nodes.push_back(test::OpenPgLog(conninfo));  // a connection each
  REQUIRE(AppendWithin(*nodes[0], {KeyEvent("acme", "key_1", 1)}).status.ok());
  for (uint64_t version = 2; version <= 6; ++version) {
    std::latch start(kNodes);
    std::vector<Code> codes(kNodes);
    std::vector<std::thread> threads;
    for (int i = 0; i < kNodes; ++i)
      threads.emplace_back([&, i] {
        Event e = KeyEvent("acme", "key_1", version);  // each its own event id
        start.arrive_and_wait();
        codes[i] = AppendWithin(*nodes[i], {e}).status.code();
      });
    for (auto& t : threads) t.join();
    INFO("version " << version);
    CHECK(std::count(codes.begin(), codes.end(), Code::kOk) == 1);
    CHECK(std::count(codes.begin(), codes.end(), Code::kConflict) == kNodes - 1);
  }
  std::vector<Event> stream;
  REQUIRE(nodes[0]->ReadStream("key:key_1", 0, 100, &stream).ok());
  REQUIRE(stream.size() == 6);
  for (size_t i = 0; i < stream.size(); ++i) CHECK(stream[i].stream_version == i + 1);
  CheckChains(ReadAll(*nodes[0]));
}

TEST_CASE("PgLog: concurrent writers on several nodes; a reader never sees a gap", "[pg]") {
  std::string conninfo = NewDb();
  constexpr int kNodes = 3, kThreadsPerNode = 2, kPerThread = 40;
  constexpr uint64_t kTotal = kNodes * kThreadsPerNode * kPerThread;
  std::vector<std::unique_ptr<PgLog>> nodes;
  for (int i = 0; i < kNodes; ++i) nodes.push_back(test::OpenPgLog(conninfo));
  auto reader = test::OpenPgLog(conninfo);
  std::atomic<int> failures{0};
  std::vector<std::thread> writers;
  for (int n = 0; n < kNodes; ++n)
    for (int t = 0; t < kThreadsPerNode; ++t)
      writers.emplace_back([&, n, t] {
        // Two streams per thread, in one org per node: the org chains interleave.
        std::string org = "org" + std::to_string(n), key = "key_" + std::to_string(n) + "_" + std::to_string(t);
        for (uint64_t v = 1; v <= kPerThread; ++v)
          if (!AppendWithin(*nodes[n], {KeyEvent(org, key, v)}).status.ok()) failures++;
      });
  // Reads from its cursor while the writers run: every page starts right after it, gap-free.
  uint64_t cursor = 0;
  std::vector<Event> seen;
  while (cursor < kTotal && failures == 0) {
    std::vector<Event> page;
    Status s = reader->Read(cursor, 50, &page);
    INFO(s.message());
    REQUIRE(s.ok());
    for (const Event& e : page) {
      REQUIRE(e.seq == ++cursor);
      seen.push_back(e);
    }
    if (page.empty()) {
      std::promise<void> moved;
      reader->NotifyAfter(cursor, std::chrono::steady_clock::now() + std::chrono::milliseconds(200),
                          [&](uint64_t) { moved.set_value(); });
      moved.get_future().wait();
    }
  }
  for (auto& w : writers) w.join();
  CHECK(failures == 0);
  REQUIRE(seen.size() == kTotal);
  CheckChains(seen);
  // Each stream's events are in the log in their version order.
  std::map<std::string, uint64_t> last_version;
  for (const Event& e : seen) CHECK(e.stream_version == ++last_version[e.Stream()]);
  CHECK(reader->Stats().batches == 0);
  uint64_t batched = 0;
  for (auto& n : nodes) batched += n->Stats().batched_appends;
  CHECK(batched == kTotal);
}

TEST_CASE("PgLog NotifyAfter wakes on another node's append, on the poll, and at the deadline", "[pg]") {
  std::string conninfo = NewDb();
  auto a = test::OpenPgLog(conninfo);
  auto b = test::OpenPgLog(conninfo);
  std::promise<uint64_t> woke;
  a->NotifyAfter(0, std::chrono::steady_clock::now() + std::chrono::seconds(60),
                 [&](uint64_t head) { woke.set_value(head); });
  REQUIRE(AppendWithin(*b, {OrgEvent("acme", 1)}).status.ok());
  auto f = woke.get_future();
  REQUIRE(f.wait_for(std::chrono::seconds(30)) == std::future_status::ready);
  CHECK(f.get() == 1);
  CHECK(a->HeadSeq() == 1);

  // An event committed without a notification is found by polling the head.
  std::promise<uint64_t> polled;
  a->NotifyAfter(1, std::chrono::steady_clock::now() + std::chrono::seconds(60),
                 [&](uint64_t head) { polled.set_value(head); });
  Event second = OrgEvent("beta", 1);
  second.seq = 2;
  second.recorded_at = NowMillis();
  events::Seal(second, b->Head().hash, Hash32{});
  SeedPg(*test::RawConnection(conninfo), second);
  auto p = polled.get_future();
  REQUIRE(p.wait_for(std::chrono::seconds(30)) == std::future_status::ready);
  CHECK(p.get() == 2);
  CHECK(a->Head().hash == second.hash);

  std::promise<uint64_t> timed_out;
  a->NotifyAfter(2, std::chrono::steady_clock::now() + std::chrono::milliseconds(20),
                 [&](uint64_t head) { timed_out.set_value(head); });
  auto t = timed_out.get_future();
  REQUIRE(t.wait_for(std::chrono::seconds(30)) == std::future_status::ready);
  CHECK(t.get() == 2);
}

TEST_CASE("PgLog: reopening restores the head and the chain goes on", "[pg]") {
  std::string conninfo = NewDb();
  auto log = test::OpenPgLog(conninfo);
  REQUIRE(AppendWithin(*log, {OrgEvent("acme", 1)}).status.ok());
  auto last = AppendWithin(*log, {OrgEvent("acme", 2)});
  REQUIRE(last.status.ok());
  log.reset();
  log = test::OpenPgLog(conninfo);
  CHECK(log->HeadSeq() == 2);
  CHECK(log->Head().hash == last.events[0].hash);
  CHECK(log->Head().recorded_at == last.events[0].recorded_at);
  CHECK(AppendWithin(*log, {OrgEvent("acme", 2)}).status.code() == Code::kConflict);
  auto next = AppendWithin(*log, {OrgEvent("acme", 3)});
  REQUIRE(next.status.ok());
  CHECK(next.events[0].prev_hash == last.events[0].hash);
  CHECK(next.events[0].org_prev_hash == last.events[0].org_hash);
  CHECK(next.events[0].recorded_at >= last.events[0].recorded_at);
}
