#include <catch2/catch.hpp>

#include "domain/crypto.h"
#include "domain/key.h"
#include "domain/org.h"
#include "domain/command.h"
#include "projections/digest.h"
#include "projections/projector.h"
#include "projections/read_model.h"
#include "projections/webhook_projection.h"
#include "domain/webhook.h"
#include "storage/rocks_log.h"
#include "tests/support/temp_dir.h"

using namespace kl;

namespace {

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
  CommandContext Ctx() { return CommandContext{NowMs(), Actor{"admin", "admin"}, "req"}; }
  static Millis NowMs() { return 1'800'000'000'000; }
  void CreateOrg(const std::string& id) {
    CreateOrgInput in{id, "Org", std::nullopt};
    auto ev = DecideCreateOrg(std::nullopt, in, {}, Ctx());
    REQUIRE(ev.ok());
    REQUIRE(log->AppendAndWait(ev.value(), true).status.ok());
  }
  std::string CreateKey(const std::string& org, const std::string& env = "live") {
    CreateKeyInput in;
    in.name = "k";
    in.environment = env;
    auto c = DecideCreateKey(reads->GetOrg(org), org, in, {}, Ctx());
    REQUIRE(c.ok());
    REQUIRE(log->AppendAndWait(c->events, true).status.ok());
    return c->key_id;
  }
};

// Drops the projections and rebuilds them from the log as `keyledger replay` does: every event is
// folded, and the projections are exactly those the live fold left (`incremental`, their digest).
void RebuildAndCompare(Stack& s, const std::string& incremental) {
  REQUIRE(s.db->ResetColumnFamilies(projections::ColumnFamilies()).ok());
  projections::Projector rebuilder(s.db.get());
  auto folded = rebuilder.Rebuild(*s.log);
  REQUIRE(folded.ok());
  CHECK(*folded == s.log->HeadSeq());
  CHECK(projections::ProjectionDigest(*s.db) == incremental);
}

}  // namespace

TEST_CASE("keys are projected by id, by secret hash and by org, newest first", "[projections]") {
  Stack s;
  s.CreateOrg("acme");
  std::vector<std::string> ids;
  for (int i = 0; i < 5; ++i) ids.push_back(s.CreateKey("acme", i % 2 ? "test" : "live"));
  auto key = s.reads->GetKey(ids[0]);
  REQUIRE(key);
  CHECK(key->version == 1);
  auto hash = HashFromHex(key->secret_hash_hex);
  REQUIRE(hash);
  CHECK(s.reads->GetKeyByHash(*hash)->id == ids[0]);

  projections::KeyFilter all;
  std::vector<std::string> seen;
  std::optional<std::string> cursor;
  do {
    auto page = s.reads->ListKeys("acme", all, cursor, 2, Stack::NowMs());
    REQUIRE(page.ok());
    for (auto& k : page->items) seen.push_back(k.id);
    cursor = page->next_cursor;
  } while (cursor);
  CHECK(seen == std::vector<std::string>(ids.rbegin(), ids.rend()));

  projections::KeyFilter test_env;
  test_env.environment = "test";
  CHECK(s.reads->ListKeys("acme", test_env, std::nullopt, 100, Stack::NowMs())->items.size() == 2);
}

TEST_CASE("a listing reads oldest first, and from any key's position in either order", "[projections]") {
  using Order = projections::ReadModel::ListOrder;
  Stack s;
  s.CreateOrg("acme");
  s.CreateOrg("acmf");  // a neighbouring org's entries sit right after acme's in the index
  std::vector<std::string> ids;
  for (int i = 0; i < 5; ++i) ids.push_back(s.CreateKey("acme"));
  s.CreateKey("acmf");
  projections::KeyFilter all;
  all.status = "all";

  std::vector<std::string> seen;
  std::optional<std::string> cursor;
  do {
    auto page = s.reads->ListKeys("acme", all, cursor, 2, Stack::NowMs(), Order::kOldestFirst);
    REQUIRE(page.ok());
    for (auto& k : page->items) seen.push_back(k.id);
    cursor = page->next_cursor;
  } while (cursor);
  CHECK(seen == ids);

  // From the middle key: older ones newest first, newer ones oldest first, the key itself in neither.
  std::string middle = projections::ReadModel::ListCursorOf(*s.reads->GetKey(ids[2]));
  auto older = s.reads->ListKeys("acme", all, middle, 10, Stack::NowMs(), Order::kNewestFirst);
  REQUIRE(older.ok());
  REQUIRE(older->items.size() == 2);
  CHECK(older->items[0].id == ids[1]);
  CHECK(older->items[1].id == ids[0]);
  auto newer = s.reads->ListKeys("acme", all, middle, 1, Stack::NowMs(), Order::kOldestFirst);
  REQUIRE(newer.ok());
  REQUIRE(newer->items.size() == 1);
  CHECK(newer->items[0].id == ids[3]);
  CHECK(newer->next_cursor);
}

TEST_CASE("revocation folds into the projection", "[projections]") {
  Stack s;
  s.CreateOrg("acme");
  auto id = s.CreateKey("acme");
  auto ev = DecideRevokeKey(*s.reads->GetKey(id), std::string("leaked"), s.Ctx());
  REQUIRE(ev.ok());
  REQUIRE(s.log->AppendAndWait(ev.value(), true).status.ok());
  auto key = s.reads->GetKey(id);
  CHECK(key->status == "revoked");
  CHECK(key->revoke_reason == "leaked");
  CHECK(key->version == 2);
  // Revoking again decides nothing.
  CHECK(DecideRevokeKey(*key, std::nullopt, s.Ctx())->empty());
}

TEST_CASE("a listing reads each key's latest state from the by-org index", "[projections]") {
  Stack s;
  s.CreateOrg("acme");
  auto kept = s.CreateKey("acme");
  auto revoked = s.CreateKey("acme");
  auto ev = DecideRevokeKey(*s.reads->GetKey(revoked), std::string("leaked"), s.Ctx());
  REQUIRE(ev.ok());
  REQUIRE(s.log->AppendAndWait(ev.value(), true).status.ok());

  // The listing holds copies of the states: they must follow every event, not just the creation.
  projections::KeyFilter all;
  all.status = "all";
  auto page = s.reads->ListKeys("acme", all, std::nullopt, 10, Stack::NowMs());
  REQUIRE(page.ok());
  REQUIRE(page->items.size() == 2);
  CHECK(page->items[0].id == revoked);
  CHECK(page->items[0].status == "revoked");
  CHECK(page->items[0].revoke_reason == "leaked");
  CHECK(page->items[0].version == 2);
  CHECK(page->items[1].id == kept);
  CHECK(page->items[1].status == "active");
  projections::KeyFilter active;  // the default filter
  auto actives = s.reads->ListKeys("acme", active, std::nullopt, 10, Stack::NowMs());
  REQUIRE(actives->items.size() == 1);
  CHECK(actives->items[0].id == kept);
}

TEST_CASE("a rebuilt projection equals the one folded live", "[projections]") {
  Stack s;
  s.CreateOrg("acme");
  auto id = s.CreateKey("acme");
  auto before = s.reads->GetKey(id);
  REQUIRE(s.db->ResetColumnFamilies(projections::ColumnFamilies()).ok());
  projections::Projector fresh(s.db.get());
  projections::ReadModel reads(s.db.get());
  CHECK_FALSE(reads.GetKey(id));
  auto folded = fresh.CatchUp(*s.log);
  REQUIRE(folded.ok());
  CHECK(*folded == 2);
  CHECK(fresh.Checkpoint() == 2);
  auto after = reads.GetKey(id);
  REQUIRE(after);
  CHECK(after->secret_hash_hex == before->secret_hash_hex);
  CHECK(after->created_seq == before->created_seq);
}

TEST_CASE("Rebuild (replay) leaves exactly the projections the incremental fold left", "[projections]") {
  Stack s;
  s.CreateOrg("acme");
  s.CreateOrg("globex");
  std::vector<std::string> ids;
  for (int i = 0; i < 12; ++i) ids.push_back(s.CreateKey(i % 3 ? "acme" : "globex"));
  // Revocations, expiry dates, credits with refills, disabling, usage: every index moves.
  for (int i = 0; i < 12; ++i) {
    auto key = *s.reads->GetKey(ids[i]);
    auto org = *s.reads->GetOrg(key.org_id);
    std::vector<Event> events;
    if (i % 4 == 0) {
      events = DecideRevokeKey(key, std::string("rotated out"), s.Ctx()).value();
    } else {
      UpdateKeyInput in;
      in.expires_at = std::optional<std::string>("2030-01-01T00:00:00Z");
      if (i % 4 == 1) in.credits = std::optional<Credits>(Credits{5, CreditRefill{10, "daily"}});
      if (i % 4 == 2) in.enabled = false;
      events = DecideUpdateKey(key, org, in, {}, s.Ctx()).value();
      events.push_back(NewEvent(s.Ctx(), key.org_id, key.id, key.version + events.size() + 1,
                                KeyUsed{3, Stack::NowMs(), Stack::NowMs() + 5, "10.0.0.1", "ua", i % 4 == 1 ? 3 : 0}));
    }
    REQUIRE(s.log->AppendAndWait(events, true).status.ok());
  }
  // Webhooks: one kept, one disabled and enabled again, one deleted.
  projections::WebhookReads webhooks(s.db.get());
  auto webhook_step = [&](auto decide) {
    auto events = decide(*s.reads->GetOrg("acme"));
    REQUIRE(events.ok());
    REQUIRE(s.log->AppendAndWait(*events, true).status.ok());
  };
  std::vector<std::string> hook_ids;
  for (int i = 0; i < 3; ++i) {
    hook_ids.push_back("whk_0" + std::to_string(i));
    CreateWebhookInput in{std::string("https://siem.example/") + std::to_string(i), std::vector<std::string>{"*"},
                          std::nullopt};
    webhook_step([&](const OrgState& org) {
      return DecideCreateWebhook(org, i, in, {}, false, hook_ids.back(), std::string(64, 'a'), s.Ctx());
    });
  }
  webhook_step([&](const OrgState& org) {
    return DecideSetWebhookStatus(org, *webhooks.Get("acme", hook_ids[1]), std::string("disabled"), {}, "x", s.Ctx());
  });
  webhook_step([&](const OrgState& org) {
    return DecideSetWebhookStatus(org, *webhooks.Get("acme", hook_ids[1]), std::string("active"), {}, "", s.Ctx());
  });
  webhook_step([&](const OrgState& org) { return DecideDeleteWebhook(org, *webhooks.Get("acme", hook_ids[2]), s.Ctx()); });
  REQUIRE(webhooks.List("acme").size() == 2);
  CHECK(webhooks.List("globex").empty());
  CHECK(webhooks.All().size() == 2);
  CHECK(webhooks.Get("acme", hook_ids[1])->status == "active");
  CHECK_FALSE(webhooks.Get("acme", hook_ids[2]).has_value());
  std::string incremental = projections::ProjectionDigest(*s.db);

  RebuildAndCompare(s, incremental);
  projections::Projector rebuilder(s.db.get());
  CHECK(rebuilder.Checkpoint() == s.log->HeadSeq());
  CHECK(projections::WebhookReads(s.db.get()).List("acme").size() == 2);
  // And it refuses to run over projections that are not empty.
  CHECK_FALSE(rebuilder.Rebuild(*s.log).ok());
}

TEST_CASE("Rebuild over many chunks, recycled events and a growing key table matches the live fold",
          "[projections]") {
  // More events than a few of the replay's chunks (8192 events each), so that readers decode into
  // recycled events of other types, and more keys than the key table's first guess (a log's events
  // / 8), so that it grows during the fold.
  Stack s;
  s.CreateOrg("acme");
  std::vector<KeyState> keys;
  std::vector<Event> batch;
  auto flush = [&] {
    REQUIRE(s.log->AppendAndWait(std::move(batch), false).status.ok());
    batch.clear();
  };
  const OrgState org = *s.reads->GetOrg("acme");
  for (int i = 0; i < 7000; ++i) {
    CreateKeyInput in;
    in.name = "k" + std::to_string(i);
    if (i % 5 == 0) in.metadata = nlohmann::json{{"team", std::string(i % 40, 't')}};
    auto made = DecideCreateKey(org, "acme", in, {}, s.Ctx());
    REQUIRE(made.ok());
    std::optional<KeyState> state;
    for (auto& e : made->events) EvolveKey(state, e), batch.push_back(std::move(e));
    keys.push_back(*state);
    if (batch.size() >= 500) flush();
  }
  flush();
  // Usage windows of every length, renames and revocations, in an order that mixes types in chunks.
  for (int round = 0; round < 3; ++round) {
    for (size_t i = 0; i < keys.size(); ++i) {
      KeyState& key = keys[(i * 7919 + round) % keys.size()];
      if (key.status != "active") continue;
      std::vector<Event> events;
      if ((i + round) % 11 == 0) {
        events = DecideRevokeKey(key, std::string("r") + std::to_string(i), s.Ctx()).value();
      } else if ((i + round) % 7 == 0) {
        UpdateKeyInput in;
        in.name = std::string("renamed ") + std::string(i % 30, 'n');
        events = DecideUpdateKey(key, org, in, {}, s.Ctx()).value();
      } else {
        events.push_back(NewEvent(s.Ctx(), key.org_id, key.id, key.version + 1,
                                  KeyUsed{1, Stack::NowMs(), Stack::NowMs() + static_cast<Millis>(i),
                                          "10.0.0." + std::to_string(i % 250), std::string(i % 90, 'u'), 0}));
      }
      std::optional<KeyState> state = key;
      for (auto& e : events) EvolveKey(state, e), batch.push_back(std::move(e));
      key = *state;
      if (batch.size() >= 500) flush();
    }
  }
  flush();
  REQUIRE(s.log->HeadSeq() > 3 * 8192);
  std::string incremental = projections::ProjectionDigest(*s.db);

  RebuildAndCompare(s, incremental);
}
