// The derived-warning bookkeeping in projections: the state codec, the p_key_warn index the
// sweeper reads, and the projection format marker that makes serve rebuild older projections.
#include <catch2/catch.hpp>

#include "domain/key_warnings.h"
#include "domain/org.h"
#include "projections/digest.h"
#include "projections/projector.h"
#include "projections/read_model.h"
#include "projections/state_codec.h"
#include "storage/rocks_log.h"
#include "tests/support/temp_dir.h"

using namespace kl;

namespace {
constexpr Millis kNow = 1'800'000'000'000;
CommandContext Ctx() { return CommandContext{kNow, Actor{"system", "sweeper"}, "req"}; }

struct Stack {
  test::TempDir dir;
  std::unique_ptr<storage::Database> db;
  std::unique_ptr<projections::Projector> projector;
  std::unique_ptr<storage::RocksLog> log;
  std::unique_ptr<projections::ReadModel> reads;
  Stack() {
    db = std::move(storage::Database::Open(dir.path(), projections::ColumnFamilies()).value());
    projector = std::make_unique<projections::Projector>(db.get());
    log = std::move(storage::RocksLog::Open(db.get(), projector.get()).value());
    reads = std::make_unique<projections::ReadModel>(db.get());
  }
  void Append(std::vector<Event> events) { REQUIRE(log->AppendAndWait(std::move(events), true).status.ok()); }
};
}  // namespace

TEST_CASE("the state codec keeps the warning bookkeeping and omits it when unset", "[projections][warnings]") {
  KeyState k;
  k.id = "key_1";
  std::string plain = projections::EncodeKey(k);
  k.credits = Credits{3, std::nullopt};
  k.credits_basis = 30;
  k.credits_low_warned = true;
  k.expiry_warned_for = kNow;
  k.expiry_warned_window = "7d";
  auto back = projections::DecodeKey(projections::EncodeKey(k));
  REQUIRE(back);
  CHECK(back->credits_basis == 30);
  CHECK(back->credits_low_warned);
  CHECK(back->expiry_warned_for == kNow);
  CHECK(back->expiry_warned_window == "7d");
  // A state that never warned encodes exactly as before the fields existed (states on disk).
  auto old = projections::DecodeKey(plain);
  REQUIRE(old);
  CHECK(old->credits_basis == 0);
  CHECK_FALSE(old->credits_low_warned);
  CHECK(projections::EncodeKey(*old) == plain);
}

TEST_CASE("p_key_warn lists keys with a warning due until the sweeper has appended it", "[projections][warnings]") {
  Stack s;
  auto org = DecideCreateOrg(std::nullopt, CreateOrgInput{"acme", "Acme", std::nullopt}, {}, Ctx());
  REQUIRE(org.ok());
  s.Append(org.value());
  CreateKeyInput in;
  in.name = "k";
  in.credits = Credits{10, std::nullopt};
  in.ttl_seconds = 30 * 86400;
  CommandContext cc{kNow, Actor{"admin", "admin"}, "req"};
  auto created = DecideCreateKey(s.reads->GetOrg("acme"), "acme", in, {}, cc);
  REQUIRE(created.ok());
  s.Append(created->events);
  const std::string id = created->key_id;
  CHECK(s.reads->KeysDueForWarning(kNow, 10).empty());
  CHECK(s.reads->KeysDueForWarning(kNow + 23 * 86400'000LL, 10) == std::vector<std::string>{id});

  auto key = *s.reads->GetKey(id);
  s.Append({NewEvent(cc, "acme", id, key.version + 1, KeyUsed{9, kNow, kNow, "ip", "ua", 9})});
  CHECK(s.reads->KeysDueForWarning(kNow, 10) == std::vector<std::string>{id});
  auto warnings = DecideKeyWarnings(*s.reads->GetKey(id), Ctx());
  REQUIRE(warnings.size() == 1);
  s.Append(warnings);
  CHECK(s.reads->KeysDueForWarning(kNow, 10).empty());
  CHECK(s.reads->GetKey(id)->credits_low_warned);
  CHECK(s.reads->KeysDueForWarning(kNow + 23 * 86400'000LL, 10) == std::vector<std::string>{id});
}

TEST_CASE("projections without the current format marker are reported as stale", "[projections][warnings]") {
  Stack s;
  CHECK(projections::ProjectionFormatIsCurrent(*s.db));  // nothing folded yet
  auto org = DecideCreateOrg(std::nullopt, CreateOrgInput{"acme", "Acme", std::nullopt}, {}, Ctx());
  REQUIRE(org.ok());
  s.Append(org.value());
  CHECK(projections::ProjectionFormatIsCurrent(*s.db));
  // What a database folded by a version before formats looks like: a checkpoint, no marker.
  REQUIRE(s.db->db()->Delete(rocksdb::WriteOptions(), s.db->cf(projections::kProjMetaCf), "format").ok());
  CHECK_FALSE(projections::ProjectionFormatIsCurrent(*s.db));
}

TEST_CASE("stale projections are dropped and refold to exactly what a current fold leaves",
          "[projections][warnings]") {
  std::string current;
  test::TempDir dir;
  {
    auto db = std::move(storage::Database::Open(dir.path(), projections::ColumnFamilies()).value());
    projections::Projector projector(db.get());
    auto log = std::move(storage::RocksLog::Open(db.get(), &projector).value());
    projections::ReadModel reads(db.get());
    CHECK_FALSE(*projections::DropStaleProjections(*db));  // empty: nothing to drop
    auto org = DecideCreateOrg(std::nullopt, CreateOrgInput{"acme", "Acme", std::nullopt}, {}, Ctx());
    REQUIRE(log->AppendAndWait(org.value(), true).status.ok());
    CreateKeyInput in;
    in.name = "k";
    in.credits = Credits{10, std::nullopt};
    in.ttl_seconds = 3 * 86400;
    auto created = DecideCreateKey(reads.GetOrg("acme"), "acme", in, {}, Ctx());
    REQUIRE(created.ok());
    REQUIRE(log->AppendAndWait(created->events, true).status.ok());
    REQUIRE(log->AppendAndWait(DecideKeyWarnings(*reads.GetKey(created->key_id), Ctx()), true).status.ok());
    CHECK(reads.GetKey(created->key_id)->expiry_warned_window == "7d");
    current = projections::ProjectionDigest(*db);
    CHECK_FALSE(*projections::DropStaleProjections(*db));
    // Make it look like a database folded before formats existed (and with a stale state).
    REQUIRE(db->db()->Delete(rocksdb::WriteOptions(), db->cf(projections::kProjMetaCf), "format").ok());
    REQUIRE(db->db()->Put(rocksdb::WriteOptions(), db->cf(projections::kKeysCf), created->key_id, "stale").ok());
    log->Stop();
  }
  auto db = std::move(storage::Database::Open(dir.path(), projections::ColumnFamilies()).value());
  REQUIRE(*projections::DropStaleProjections(*db));
  projections::Projector projector(db.get());
  auto log = std::move(storage::RocksLog::Open(db.get(), &projector).value());
  REQUIRE(projector.CatchUp(*log).ok());
  CHECK(projections::ProjectionDigest(*db) == current);
  CHECK(projections::ProjectionFormatIsCurrent(*db));
}
