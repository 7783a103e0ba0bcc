// The validation index wired as it would be in serve: loaders on the RocksDB read model, the
// projector's commit hook applying every committed batch. Once an append is acknowledged, the
// index answers the new state without asking the loader.
#include <catch2/catch.hpp>

#include "domain/crypto.h"
#include "domain/key.h"
#include "domain/org.h"
#include "projections/projector.h"
#include "projections/read_model.h"
#include "projections/validation_index.h"
#include "storage/rocks_log.h"
#include "tests/support/temp_dir.h"

using namespace kl;

namespace {

constexpr Millis kNow = 1'800'000'000'000;

struct Wired {
  test::TempDir dir;
  std::unique_ptr<storage::Database> db;
  std::unique_ptr<projections::ReadModel> reads;
  int key_loads = 0;
  std::unique_ptr<projections::ValidationIndex> index;
  std::unique_ptr<projections::Projector> projector;
  std::unique_ptr<storage::RocksLog> log;
  Wired() {
    db = std::move(storage::Database::Open(dir.path(), projections::ColumnFamilies()).value());
    reads = std::make_unique<projections::ReadModel>(db.get());
    index = std::make_unique<projections::ValidationIndex>(
        1000,
        [this](const Hash32& h) {
          ++key_loads;
          return reads->LoadKeyByHash(h);
        },
        [this](const std::string& id) { return reads->LoadOrg(id); });
    projector = std::make_unique<projections::Projector>(db.get(), nullptr, nullptr, index.get());
    log = std::move(storage::RocksLog::Open(db.get(), projector.get()).value());
  }
  CommandContext Ctx() { return CommandContext{kNow, Actor{"admin", "admin"}, "req"}; }
  void Append(const Result<std::vector<Event>>& events) {
    REQUIRE(events.ok());
    REQUIRE(log->AppendAndWait(events.value(), true).status.ok());
  }
};

}  // namespace

TEST_CASE("validation index behind the projector: acknowledged appends are answered from memory",
          "[projections][validation_index]") {
  Wired w;
  w.Append(DecideCreateOrg(std::nullopt, CreateOrgInput{"acme", "Org", std::nullopt}, {}, w.Ctx()));
  CreateKeyInput in;
  in.name = "k";
  in.permissions = std::vector<std::string>{"posts:read"};
  auto created = DecideCreateKey(w.reads->GetOrg("acme"), "acme", in, {}, w.Ctx());
  REQUIRE(created.ok());
  REQUIRE(w.log->AppendAndWait(created->events, true).status.ok());
  Hash32 h = Sha256(created->secret_value);
  const std::vector<std::string> read = {"posts:read"}, write = {"posts:write"};

  // The org became known with the first fill; later keys are held from their creation.
  auto v = w.index->Validate(h, w.index->Require(read), kNow);
  CHECK(v.code == ValidationCode::kValid);
  CHECK(w.index->Decide(h, w.index->Require(write), kNow).code == ValidationCode::kInsufficientPermissions);
  CHECK(w.key_loads == 1);
  auto second = DecideCreateKey(w.reads->GetOrg("acme"), "acme", in, {}, w.Ctx());
  REQUIRE(w.log->AppendAndWait(second->events, true).status.ok());
  CHECK(w.index->Decide(Sha256(second->secret_value), w.index->Require(read), kNow).code == ValidationCode::kValid);
  CHECK(w.key_loads == 1);

  w.Append(DecideRevokeKey(*w.reads->GetKey(created->key_id), std::string("leaked"), w.Ctx()));
  auto revoked = w.index->Validate(h, w.index->Require(read), kNow);
  CHECK(revoked.code == ValidationCode::kRevoked);
  CHECK(revoked.key->version == w.reads->LoadKeyByHash(h)->version);  // the same state as the projection
  CHECK(w.key_loads == 1);

  UpdateOrgInput suspend;
  suspend.status = "decommissioning";
  w.Append(DecideUpdateOrg(*w.reads->GetOrg("acme"), suspend, {}, w.Ctx()));
  CHECK(w.index->Decide(Sha256(second->secret_value), w.index->Require(read), kNow).code ==
        ValidationCode::kTenantInactive);
  CHECK(w.key_loads == 1);
}
