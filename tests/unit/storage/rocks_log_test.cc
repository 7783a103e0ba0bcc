#include <catch2/catch.hpp>

#include <atomic>
#include <future>
#include <thread>

#include "domain/command.h"
#include "events/chain.h"
#include "events/codec.h"
#include "storage/merkle.h"
#include "storage/rocks_log.h"
#include "tests/support/temp_dir.h"

using namespace kl;
using namespace kl::storage;

namespace {

Event OrgEvent(const std::string& org, uint64_t version) {
  CommandContext ctx{1700000000000, Actor{"admin", "admin"}, "req-1"};
  if (version == 1) return NewEvent(ctx, org, std::nullopt, 1, OrgCreated{"Org " + org, "active"});
  return NewEvent(ctx, org, std::nullopt, version, OrgUpdated{std::string("v") + std::to_string(version), {}});
}

struct Fixture {
  test::TempDir dir;
  std::unique_ptr<Database> db;
  std::unique_ptr<RocksLog> log;
  void Open() {
    log.reset();
    db.reset();
    auto d = Database::Open(dir.path(), {});
    REQUIRE(d.ok());
    db = std::move(d.value());
    auto l = RocksLog::Open(db.get(), nullptr);
    REQUIRE(l.ok());
    log = std::move(l.value());
  }
};

// The log's Merkle tree is the tree of its events' canonical bytes, in seq order, and every
// event's inclusion proof from the stored nodes verifies against its root.
void CheckTreeMatchesLog(const RocksLog& log) {
  std::vector<Event> all;
  REQUIRE(log.Read(0, 100000, &all).ok());
  merkle::CompactRange expected;
  std::vector<Hash32> leaves;
  for (const Event& e : all) {
    leaves.push_back(merkle::LeafHash(events::CanonicalBytes(e)));
    expected.Append(leaves.back(), [](merkle::NodeId, const Hash32&) {});
  }
  TreeHead tree = log.Tree();
  REQUIRE(tree.size == all.size());
  REQUIRE(tree.root == expected.Root());
  auto nodes = [&log](merkle::NodeId id) { return log.TreeNode(id); };
  for (uint64_t i = 0; i < leaves.size(); ++i) {
    auto proof = merkle::InclusionProof(i, tree.size, nodes);
    REQUIRE(proof.ok());
    REQUIRE(merkle::VerifyInclusion(i, tree.size, leaves[i], *proof, tree.root));
  }
}

}  // namespace

TEST_CASE("the Merkle tree follows the log, survives a reopen and is caught up when missing", "[storage]") {
  Fixture f;
  f.Open();
  CHECK(f.log->Tree().size == 0);
  CHECK(f.log->Tree().root == merkle::EmptyRoot());
  for (uint64_t v = 1; v <= 20; ++v) REQUIRE(f.log->AppendAndWait({OrgEvent("acme", v)}, v % 2 == 0).status.ok());
  REQUIRE(f.log->AppendAndWait({OrgEvent("beta", 1), OrgEvent("gamma", 1)}, true).status.ok());
  CheckTreeMatchesLog(*f.log);
  Hash32 root = f.log->Tree().root;

  f.Open();  // from the stored compact range
  CHECK(f.log->Tree().root == root);
  REQUIRE(f.log->AppendAndWait({OrgEvent("acme", 21)}, true).status.ok());
  CheckTreeMatchesLog(*f.log);
  root = f.log->Tree().root;

  // A data directory whose log has no tree yet (written before the log kept one).
  f.log.reset();
  auto* tree_cf = f.db->cf(kTreeCf);
  REQUIRE(f.db->db()->DeleteRange(rocksdb::WriteOptions(), tree_cf, std::string(1, '\0'), std::string(9, '\xff')).ok());
  REQUIRE(f.db->db()->Delete(rocksdb::WriteOptions(), tree_cf, "size").ok());
  f.Open();
  CHECK(f.log->Tree().root == root);
  CheckTreeMatchesLog(*f.log);
}

TEST_CASE("appends get gap-free seqs from 1 and both chains link", "[storage]") {
  Fixture f;
  f.Open();
  auto r1 = f.log->AppendAndWait({OrgEvent("acme", 1)}, true);
  REQUIRE(r1.status.ok());
  auto r2 = f.log->AppendAndWait({OrgEvent("beta", 1)}, true);
  auto r3 = f.log->AppendAndWait({OrgEvent("acme", 2)}, true);
  REQUIRE(r2.status.ok());
  REQUIRE(r3.status.ok());
  CHECK(r1.events[0].seq == 1);
  CHECK(r2.events[0].seq == 2);
  CHECK(r3.events[0].seq == 3);
  CHECK(r1.events[0].prev_hash == Hash32{});
  CHECK(r2.events[0].prev_hash == r1.events[0].hash);
  CHECK(r3.events[0].prev_hash == r2.events[0].hash);
  // The org chain skips beta's event.
  CHECK(r3.events[0].org_prev_hash == r1.events[0].org_hash);
  CHECK(r2.events[0].org_prev_hash == Hash32{});

  std::vector<Event> all;
  REQUIRE(f.log->Read(0, 100, &all).ok());
  REQUIRE(all.size() == 3);
  for (const auto& e : all) CHECK(events::VerifySeal(e));
}

TEST_CASE("an append with a stale expected version conflicts and writes nothing", "[storage]") {
  Fixture f;
  f.Open();
  REQUIRE(f.log->AppendAndWait({OrgEvent("acme", 1)}, true).status.ok());
  auto again = f.log->AppendAndWait({OrgEvent("acme", 1)}, true);
  CHECK(again.status.code() == Code::kConflict);
  auto skip = f.log->AppendAndWait({OrgEvent("acme", 3)}, true);
  CHECK(skip.status.code() == Code::kConflict);
  CHECK(f.log->HeadSeq() == 1);
}

TEST_CASE("a multi-event append is atomic across streams", "[storage]") {
  Fixture f;
  f.Open();
  REQUIRE(f.log->AppendAndWait({OrgEvent("acme", 1)}, true).status.ok());
  // The second event conflicts, so neither is written.
  auto r = f.log->AppendAndWait({OrgEvent("beta", 1), OrgEvent("acme", 1)}, true);
  CHECK(r.status.code() == Code::kConflict);
  CHECK(f.log->HeadSeq() == 1);
  std::vector<Event> beta;
  REQUIRE(f.log->ReadStream("org:beta", 0, 10, &beta).ok());
  CHECK(beta.empty());
}

TEST_CASE("concurrent appenders share batches and get unique contiguous seqs", "[storage]") {
  Fixture f;
  f.Open();
  constexpr int kThreads = 8, kPer = 50;
  std::vector<std::thread> threads;
  std::atomic<int> failures{0};
  for (int t = 0; t < kThreads; ++t)
    threads.emplace_back([&, t] {
      std::string org = "org-" + std::to_string(t);
      for (int i = 1; i <= kPer; ++i)
        if (!f.log->AppendAndWait({OrgEvent(org, i)}, true).status.ok()) failures++;
    });
  for (auto& th : threads) th.join();
  CHECK(failures == 0);
  CHECK(f.log->HeadSeq() == kThreads * kPer);
  std::vector<Event> all;
  REQUIRE(f.log->Read(0, 10000, &all).ok());
  REQUIRE(all.size() == kThreads * kPer);
  for (size_t i = 0; i < all.size(); ++i) {
    CHECK(all[i].seq == i + 1);
    if (i > 0) CHECK(all[i].prev_hash == all[i - 1].hash);
  }
}

TEST_CASE("reopening restores the head, the chain and the stream versions", "[storage]") {
  Fixture f;
  f.Open();
  REQUIRE(f.log->AppendAndWait({OrgEvent("acme", 1)}, true).status.ok());
  auto last = f.log->AppendAndWait({OrgEvent("acme", 2)}, true);
  REQUIRE(last.status.ok());
  f.Open();
  CHECK(f.log->HeadSeq() == 2);
  CHECK(f.log->Head().hash == last.events[0].hash);
  CHECK(f.log->AppendAndWait({OrgEvent("acme", 2)}, true).status.code() == Code::kConflict);
  auto next = f.log->AppendAndWait({OrgEvent("acme", 3)}, true);
  REQUIRE(next.status.ok());
  CHECK(next.events[0].prev_hash == last.events[0].hash);
  CHECK(next.events[0].org_prev_hash == last.events[0].org_hash);
  std::vector<Event> stream;
  REQUIRE(f.log->ReadStream("org:acme", 1, 10, &stream).ok());
  REQUIRE(stream.size() == 2);
  CHECK(stream[0].stream_version == 2);
}

TEST_CASE("NotifyAfter fires on a new event and at the deadline", "[storage]") {
  Fixture f;
  f.Open();
  std::promise<uint64_t> fired;
  f.log->NotifyAfter(0, std::chrono::steady_clock::now() + std::chrono::seconds(30),
                     [&](uint64_t head) { fired.set_value(head); });
  REQUIRE(f.log->AppendAndWait({OrgEvent("acme", 1)}, true).status.ok());
  CHECK(fired.get_future().get() == 1);

  std::promise<uint64_t> timed_out;
  f.log->NotifyAfter(1, std::chrono::steady_clock::now() + std::chrono::milliseconds(20),
                     [&](uint64_t head) { timed_out.set_value(head); });
  CHECK(timed_out.get_future().get() == 1);
}

namespace {

// Refuses to fold OrgUpdated{name: "refuse"}; holds the writer on OrgCreated "gate" until the
// test opens it, so every append queued meanwhile lands in one group.
class GatedRefusingFolder : public BatchFolder {
 public:
  std::promise<void> opened;
  std::shared_future<void> gate = opened.get_future().share();
  Status Fold(const Event& e, rocksdb::WriteBatchWithIndex&) override {
    if (auto* c = std::get_if<OrgCreated>(&e.data); c && c->name == "Org gate") gate.wait();
    if (auto* u = std::get_if<OrgUpdated>(&e.data); u && u->name == std::optional<std::string>("refuse"))
      return Status(Code::kInternal, "refused");
    return Status::Ok();
  }
};

Event Rename(const std::string& org, uint64_t version, const std::string& name) {
  CommandContext ctx{1700000000000, Actor{"admin", "admin"}, "req-1"};
  return NewEvent(ctx, org, std::nullopt, version, OrgUpdated{name, {}});
}

}  // namespace

TEST_CASE("a fold that fails undoes only its own append within a group", "[storage]") {
  test::TempDir dir;
  auto db = Database::Open(dir.path(), {});
  REQUIRE(db.ok());
  GatedRefusingFolder folder;
  auto log = RocksLog::Open(db->get(), &folder);
  REQUIRE(log.ok());
  auto& l = **log;
  std::vector<std::future<AppendResult>> results;
  auto append = [&](std::vector<Event> events) {
    auto done = std::make_shared<std::promise<AppendResult>>();
    results.push_back(done->get_future());
    l.Append(std::move(events), true, [done](AppendResult r) { done->set_value(std::move(r)); });
  };
  append({OrgEvent("gate", 1)});              // holds the writer
  append({OrgEvent("acme", 1)});              // the group after it:
  append({Rename("acme", 2, "refuse")});      //   refused: acme stays at version 1
  append({Rename("acme", 2, "second")});      //   so this one fits
  append({OrgEvent("beta", 1), Rename("beta", 2, "refuse")});  // refused: beta never existed
  append({OrgEvent("beta", 1)});              //   so this one fits
  folder.opened.set_value();
  std::vector<Code> codes;
  for (auto& r : results) codes.push_back(r.get().status.code());
  CHECK(codes == std::vector<Code>{Code::kOk, Code::kOk, Code::kInternal, Code::kOk, Code::kInternal, Code::kOk});
  std::vector<Event> all;
  REQUIRE(l.Read(0, 100, &all).ok());
  REQUIRE(all.size() == 4);
  for (size_t i = 0; i < all.size(); ++i) {
    CHECK(all[i].seq == i + 1);
    CHECK(events::VerifySeal(all[i]));
    if (i > 0) CHECK(all[i].prev_hash == all[i - 1].hash);
  }
  // The org chain of acme links its two events over the refused one.
  CHECK(all[2].org_prev_hash == all[1].org_hash);
  CHECK(all[3].stream_version == 1);
  CheckTreeMatchesLog(l);  // the refused appends left no leaf behind
}

TEST_CASE("ReadReplacing replaces what the buffer held, reusing its events", "[storage]") {
  Fixture f;
  f.Open();
  for (int i = 0; i < 5; ++i) REQUIRE(f.log->AppendAndWait({OrgEvent("org" + std::to_string(i), 1)}, true).status.ok());
  std::vector<Event> expected;
  REQUIRE(f.log->Read(0, 100, &expected).ok());
  REQUIRE(expected.size() == 5);

  // A buffer holding more events than the read returns, of another stream and type.
  std::vector<Event> buffer(7, OrgEvent("stale", 2));
  buffer[0].key_id = "key_stale";
  REQUIRE(f.log->ReadReplacing(2, 100, &buffer).ok());
  REQUIRE(buffer.size() == 3);
  for (size_t i = 0; i < buffer.size(); ++i) {
    CHECK(buffer[i].key_id == std::nullopt);
    CHECK(events::Encode(buffer[i]) == events::Encode(expected[i + 2]));  // every field, payload too
  }
  // And one holding fewer: it grows, limited as Read is.
  buffer.resize(1);
  REQUIRE(f.log->ReadReplacing(0, 4, &buffer).ok());
  REQUIRE(buffer.size() == 4);
  CHECK(buffer[3].seq == 4);
  // Read still appends.
  REQUIRE(f.log->Read(4, 100, &buffer).ok());
  REQUIRE(buffer.size() == 5);
  CHECK(buffer[4].seq == 5);

  // A value that does not decode: an error, and the buffer holds only what was read before it.
  REQUIRE(f.db->db()->Put(rocksdb::WriteOptions(), f.db->cf(kLogCf), EncodeBE64(6), "not an event").ok());
  buffer.assign(9, OrgEvent("stale", 2));
  CHECK_FALSE(f.log->ReadReplacing(3, 100, &buffer).ok());
  REQUIRE(buffer.size() == 2);
  CHECK(buffer[0].seq == 4);
  CHECK(buffer[1].seq == 5);
}

TEST_CASE("an append whose deadline passed before it entered a commit group is refused and never written",
          "[storage]") {
  Fixture f;
  f.Open();
  auto now = std::chrono::steady_clock::now();
  {
    ScopedAppendDeadline past(now - std::chrono::milliseconds(1));
    auto late = f.log->AppendAndWait({OrgEvent("acme", 1)}, true);
    CHECK(late.status.code() == Code::kUnavailable);
    CHECK(late.events.empty());
  }
  CHECK(f.log->HeadSeq() == 0);
  CHECK(f.log->Stats().expired_appends == 1);
  {
    ScopedAppendDeadline future(now + std::chrono::hours(1));
    CHECK(f.log->AppendAndWait({OrgEvent("acme", 1)}, true).status.ok());
  }
  // The scope is gone: no deadline, as for background workers.
  CHECK(CurrentAppendDeadline() == kNoAppendDeadline);
  CHECK(f.log->AppendAndWait({OrgEvent("acme", 2)}, true).status.ok());
  CHECK(f.log->HeadSeq() == 2);
  CHECK(f.log->Stats().expired_appends == 1);
}
