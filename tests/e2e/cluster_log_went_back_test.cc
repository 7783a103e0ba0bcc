// A log that went back under a node (docs/cluster.md, "A log that went back"): events the node
// folded vanish from the shared log, as after a failover to a standby that never received them,
// and other events take their seqs. The node notices on its next read, stops vouching for keys
// (its view holds events the log does not), and refuses to start again on that view; started on
// an empty data directory it rebuilds from the log.
#include <catch2/catch.hpp>

#include "tests/e2e/kl_server.h"
#include "tests/support/pg_server.h"

using namespace kl::e2e;

namespace {

// What a failover to a lagging standby leaves: the log as it was at `seq`.
void CutLogBackTo(kl::test::PgServer& pg, const std::string& db, const std::string& seq) {
  pg.Sql(db, "BEGIN;"
             "DELETE FROM keyledger_events WHERE seq > " + seq + ";"
             "UPDATE keyledger_head h SET seq = e.seq, hash = e.hash, recorded_at = e.recorded_at "
             "  FROM keyledger_events e WHERE e.seq = " + seq + ";"
             "DELETE FROM keyledger_org_heads;"
             "INSERT INTO keyledger_org_heads SELECT DISTINCT ON (org_id) org_id, seq, org_hash "
             "  FROM keyledger_events ORDER BY org_id, seq DESC;"
             "COMMIT;");
}

}  // namespace

TEST_CASE("cluster: a node notices the log went back, stops vouching, and rebuilds only from an empty directory",
          "[e2e][cluster]") {
  kl::test::PgServer pg;
  const std::string db = pg.CreateDatabase();
  const std::string log = pg.uri(db);
  const std::string dir = MakeTempDir("went-back");

  std::string lost_value;
  {
    Server a({"--log", log, "--max-staleness-ms", "1000"}, dir);
    auto on_a = a.Admin();
    CreateOrg(*on_a, "acme");
    CreateKey(*on_a, "acme", {{"name", "kept"}});
    const std::string kept = pg.Query(db, "SELECT seq FROM keyledger_head");
    auto lost = CreateKey(*on_a, "acme", {{"name", "lost"}});
    CreateKey(*on_a, "acme", {{"name", "lost too"}});
    lost_value = lost.value;
    REQUIRE(Validate(*on_a, lost_value)["code"] == "VALID");

    CutLogBackTo(pg, db, kept);
    Server b({"--log", log});
    auto on_b = b.Admin();
    for (int i = 0; i < 3; ++i) CreateKey(*on_b, "acme", {{"name", "after " + std::to_string(i)}});
    CHECK(Validate(*on_b, lost_value)["code"] == "NOT_FOUND");  // the log never had it

    // A's view still has the lost keys: it must stop answering from it.
    REQUIRE(WaitFor([&] { return on_a->Get("/readyz").status == 503; }, std::chrono::seconds(30)));
    CHECK(on_a->Post("/v1/validations", {{"value", lost_value}}).status == 503);
    CHECK(a.Log().find("the cluster log went back") != std::string::npos);
    a.Stop();
  }

  try {
    Server again({"--log", log}, dir);
    FAIL("a node started on a view the log no longer holds");
  } catch (const std::runtime_error& e) {
    CHECK(std::string(e.what()).find("the cluster log went back") != std::string::npos);
  }

  Server rebuilt({"--log", log});
  auto on_rebuilt = rebuilt.Admin();
  CHECK(Validate(*on_rebuilt, lost_value)["code"] == "NOT_FOUND");
  auto listed = on_rebuilt->Get("/v1/orgs/acme/api-keys?limit=100");
  REQUIRE(listed.status == 200);
  CHECK(listed.Json()["data"].size() == 4);  // "kept" and the three made after the cut
  std::error_code ec;
  std::filesystem::remove_all(dir, ec);
}
