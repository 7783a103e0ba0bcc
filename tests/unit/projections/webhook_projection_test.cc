// The webhooks read model (projections/webhook_projection.h): folded through a batch or in
// memory for replay, the rows are the same; reads list an org's webhooks oldest first.
#include <catch2/catch.hpp>

#include <filesystem>
#include <string>
#include <vector>

#include "domain/webhook.h"
#include "projections/projector.h"
#include "projections/webhook_projection.h"

namespace fs = std::filesystem;
using namespace kl;
using namespace kl::projections;

namespace {

struct TempDb {
  fs::path path;
  std::unique_ptr<storage::Database> db;
  TempDb() {
    char tmpl[] = "/tmp/kl-webhook-projection-XXXXXX";
    path = ::mkdtemp(tmpl);
    auto opened = storage::Database::Open(path.string(), ColumnFamilies());
    REQUIRE(opened.ok());
    db = std::move(*opened);
  }
  ~TempDb() {
    db.reset();
    fs::remove_all(path);
  }
};

OrgState Org(const std::string& id) { return OrgState{id, id, "active", 1, 1, 1}; }
CommandContext Ctx() { return CommandContext{1'800'000'000'000, Actor{"admin", "admin"}, "req"}; }

// A sealed-looking event: the fold reads seq and recorded_at.
Event At(Event e, uint64_t seq) {
  e.seq = seq;
  e.recorded_at = 1'800'000'000'000 + static_cast<Millis>(seq);
  return e;
}

Event Created(const std::string& org, const std::string& id, uint64_t seq) {
  CreateWebhookInput in{std::string("https://siem.example/" + id), std::vector<std::string>{"*"}, std::nullopt};
  auto made = DecideCreateWebhook(Org(org), 0, in, {}, false, id, std::string(64, 'a'), Ctx());
  REQUIRE(made.ok());
  return At(made->front(), seq);
}

// The log these tests fold: two webhooks of acme (one disabled), one of beta, one deleted.
std::vector<Event> Log() {
  std::vector<Event> log;
  log.push_back(Created("acme", "whk_01JDXK7Z8Q6N2V3W4X5Y6Z7A8A", 1));
  log.push_back(Created("acme", "whk_01JDXK7Z8Q6N2V3W4X5Y6Z7A8B", 2));
  log.push_back(Created("beta", "whk_01JDXK7Z8Q6N2V3W4X5Y6Z7A8C", 3));
  log.push_back(Created("acme", "whk_01JDXK7Z8Q6N2V3W4X5Y6Z7A8D", 4));
  std::optional<WebhookState> b;
  EvolveWebhook(b, log[1]);
  auto disabled = DecideSetWebhookStatus(Org("acme"), *b, std::string("disabled"), {}, "too many failures", Ctx());
  REQUIRE(disabled.ok());
  log.push_back(At(disabled->front(), 5));
  std::optional<WebhookState> d;
  EvolveWebhook(d, log[3]);
  auto deleted = DecideDeleteWebhook(Org("acme"), *d, Ctx());
  REQUIRE(deleted.ok());
  log.push_back(At(deleted->front(), 6));
  return log;
}

}  // namespace

TEST_CASE("folded through a batch, webhooks read back per org, oldest first, deleted ones gone") {
  TempDb t;
  rocksdb::ColumnFamilyHandle* cf = t.db->cf(kWebhooksCf);
  for (const Event& e : Log()) {
    rocksdb::WriteBatchWithIndex batch(rocksdb::BytewiseComparator(), 0, true);
    REQUIRE(FoldWebhook(*t.db, cf, e, batch).ok());
    REQUIRE(t.db->db()->Write(rocksdb::WriteOptions(), batch.GetWriteBatch()).ok());
  }
  WebhookReads reads(t.db.get());
  auto acme = reads.List("acme");
  REQUIRE(acme.size() == 2);
  CHECK(acme[0].id == "whk_01JDXK7Z8Q6N2V3W4X5Y6Z7A8A");
  CHECK(acme[1].id == "whk_01JDXK7Z8Q6N2V3W4X5Y6Z7A8B");
  CHECK(acme[1].status == "disabled");
  CHECK(acme[1].disabled_reason == "too many failures");
  CHECK(acme[0].created_seq == 1);
  CHECK(reads.List("beta").size() == 1);
  CHECK(reads.All().size() == 3);
  CHECK_FALSE(reads.Get("acme", "whk_01JDXK7Z8Q6N2V3W4X5Y6Z7A8D"));
  CHECK_FALSE(reads.Get("beta", "whk_01JDXK7Z8Q6N2V3W4X5Y6Z7A8A"));  // another org's id is not found
}

TEST_CASE("the in-memory fold replay uses writes the same rows as the batch fold") {
  TempDb by_batch;
  TempDb in_memory;
  for (const Event& e : Log()) {
    rocksdb::WriteBatchWithIndex batch(rocksdb::BytewiseComparator(), 0, true);
    REQUIRE(FoldWebhook(*by_batch.db, by_batch.db->cf(kWebhooksCf), e, batch).ok());
    REQUIRE(by_batch.db->db()->Write(rocksdb::WriteOptions(), batch.GetWriteBatch()).ok());
  }
  std::unordered_map<std::string, std::optional<WebhookState>> rows;
  for (const Event& e : Log()) FoldWebhookInMemory(rows, e);
  rocksdb::WriteBatch batch;
  WriteWebhooks(rows, in_memory.db->cf(kWebhooksCf), batch);
  REQUIRE(in_memory.db->db()->Write(rocksdb::WriteOptions(), &batch).ok());

  auto rows_of = [](storage::Database& db) {
    std::vector<std::pair<std::string, std::string>> out;
    std::unique_ptr<rocksdb::Iterator> it(db.db()->NewIterator(rocksdb::ReadOptions(), db.cf(kWebhooksCf)));
    for (it->SeekToFirst(); it->Valid(); it->Next()) out.emplace_back(it->key().ToString(), it->value().ToString());
    return out;
  };
  CHECK(rows_of(*by_batch.db) == rows_of(*in_memory.db));
  CHECK(rows_of(*by_batch.db).size() == 3);
}

TEST_CASE("a webhook row round-trips through its encoding; junk does not decode") {
  std::optional<WebhookState> w;
  EvolveWebhook(w, Created("acme", "whk_01JDXK7Z8Q6N2V3W4X5Y6Z7A8A", 9));
  REQUIRE(w);
  w->description = "SIEM";
  auto back = DecodeWebhook(EncodeWebhook(*w));
  REQUIRE(back);
  CHECK(back->id == w->id);
  CHECK(back->url == w->url);
  CHECK(back->event_types == w->event_types);
  CHECK(back->description == "SIEM");
  CHECK(back->created_seq == 9);
  CHECK_FALSE(DecodeWebhook("not a row"));
}
