// Cluster-wide background work (docs/cluster.md, "Background work"): the expiry sweeper and the
// webhook dispatcher run on the one node that holds the lease, and move when it dies; usage
// flushed by every node merges into one last_used_at.
#include <catch2/catch.hpp>

#include <algorithm>
#include <map>
#include <set>

#include "tests/e2e/kl_server.h"
#include "tests/e2e/scoped_env.h"
#include "tests/e2e/webhook_receiver.h"
#include "tests/support/pg_server.h"

using namespace kl::e2e;

namespace {

const std::vector<std::string> kWebhookFlags = {"--webhook-allow-insecure", "--webhook-retry-base-ms", "20"};

std::vector<std::string> NodeArgs(const std::string& log, std::vector<std::string> more = {}) {
  std::vector<std::string> args = {"--log", log};
  args.insert(args.end(), more.begin(), more.end());
  return args;
}

size_t CountOf(const std::vector<std::string>& types, const std::string& type) {
  return static_cast<size_t>(std::count(types.begin(), types.end(), type));
}

// The lease's live holder as keyledger_leases names it ("<host>:<pid>:<id>"); "" when none.
std::string Holder(kl::test::PgServer& pg, const std::string& db) {
  return pg.Query(db, "SELECT holder FROM keyledger_leases WHERE name = 'background' AND expires_at > now()");
}
pid_t HolderPid(const std::string& holder) {
  auto first = holder.find(':');
  auto second = holder.find(':', first + 1);
  if (first == std::string::npos || second == std::string::npos) return -1;
  return static_cast<pid_t>(std::stol(holder.substr(first + 1, second - first - 1)));
}

// The org's events a webhook created in it delivers, by id: those after its WebhookCreated
// (docs/webhooks.md: deliveries start with the org's first event after the webhook's creation).
std::set<std::string> EventIdsAfterWebhookCreated(Client& admin, const std::string& org) {
  auto r = admin.Get("/v1/events?limit=1000&org_id=" + org);
  if (r.status != 200) throw std::runtime_error("events: " + r.body);
  const auto page = r.Json();  // held: a range-for over a temporary's member would dangle
  std::set<std::string> ids;
  bool after_creation = false;
  for (const auto& e : page["data"]) {
    if (after_creation) ids.insert(e["id"].get<std::string>());
    if (e["type"] == "WebhookCreated") after_creation = true;
  }
  return ids;
}
std::map<std::string, int> DeliveryCounts(const WebhookReceiver& receiver) {
  std::map<std::string, int> counts;
  for (const auto& d : receiver.Accepted()) counts[d.event_id]++;
  return counts;
}
bool AllDelivered(const std::set<std::string>& ids, const std::map<std::string, int>& counts) {
  return std::all_of(ids.begin(), ids.end(), [&](const std::string& id) { return counts.count(id) > 0; });
}

}  // namespace

TEST_CASE("cluster: expiry and webhooks run on the lease holder only, and move when it is killed",
          "[e2e][cluster]") {
  ScopedEnv env;
  env.Set("KEYLEDGER_LEASE_TTL_MS", "3000");  // takeover within about 4 s of a kill (docs/cluster.md)
  kl::test::PgServer pg;
  const std::string db = pg.CreateDatabase();
  const std::string log = pg.uri(db);
  std::vector<std::unique_ptr<Server>> nodes;
  for (int i = 0; i < 3; ++i) nodes.push_back(std::make_unique<Server>(NodeArgs(log, kWebhookFlags)));
  auto on_a = nodes[0]->Admin();
  CreateOrg(*on_a, "acme");
  WebhookReceiver receiver;
  REQUIRE(on_a->Post("/v1/orgs/acme/webhooks", {{"url", receiver.Url()}, {"event_types", {"*"}}}).status == 201);

  std::string holder;
  REQUIRE(WaitFor([&] { return !(holder = Holder(pg, db)).empty(); }));
  auto holder_node = std::find_if(nodes.begin(), nodes.end(), [&](auto& n) { return n->Pid() == HolderPid(holder); });
  REQUIRE(holder_node != nodes.end());

  // A key that expires in a second: one KeyExpired, whichever nodes saw it due.
  auto brief = CreateKey(*on_a, "acme", {{"ttl_seconds", 1}});
  for (auto& node : nodes) {
    auto c = node->Admin();
    REQUIRE(WaitFor([&] { return CountOf(Types(KeyEvents(*c, "acme", brief.id)), "KeyExpired") == 1; },
                    std::chrono::seconds(20)));
  }
  // Every event of the org reaches the receiver once, not once per node.
  std::set<std::string> ids = EventIdsAfterWebhookCreated(*on_a, "acme");
  REQUIRE(ids.size() >= 2);  // at least the key's KeyCreated and KeyExpired
  REQUIRE(WaitFor([&] { return AllDelivered(ids, DeliveryCounts(receiver)); }, std::chrono::seconds(20)));
  for (const auto& [id, n] : DeliveryCounts(receiver)) {
    INFO(id);
    CHECK(n == 1);
  }

  // The holder shared its cursor once each delivery was answered (the receiver counts it a little
  // earlier): wait for that, so the kill below does not cut a delivery short.
  REQUIRE(WaitFor([&] {
    return pg.Query(db, "SELECT count(*) FROM keyledger_cursors WHERE position >= "
                        "(SELECT max(seq) FROM keyledger_events)") == "1";
  }));
  // kill -9 of the holder: a survivor takes the lease (a newer holder) and expires the next key.
  const std::string old_token = pg.Query(db, "SELECT token FROM keyledger_leases WHERE name = 'background'");
  (*holder_node)->Kill9();
  nodes.erase(holder_node);
  auto survivor = nodes[0]->Admin();
  auto next = CreateKey(*survivor, "acme", {{"ttl_seconds", 1}});
  REQUIRE(WaitFor([&] {
    std::string now = Holder(pg, db);
    return !now.empty() && now != holder;
  }, std::chrono::seconds(20)));
  CHECK(std::stoll(pg.Query(db, "SELECT token FROM keyledger_leases WHERE name = 'background'")) >
        std::stoll(old_token));
  for (auto& node : nodes) {
    auto c = node->Admin();
    REQUIRE(WaitFor([&] { return CountOf(Types(KeyEvents(*c, "acme", next.id)), "KeyExpired") == 1; },
                    std::chrono::seconds(20)));
  }
  CHECK(CountOf(Types(KeyEvents(*survivor, "acme", brief.id)), "KeyExpired") == 1);
  // Delivery goes on from the new holder, from the cursor the old one shared: what it had
  // delivered is not sent again (at least once holds only for a delivery cut short by the kill).
  std::set<std::string> after = EventIdsAfterWebhookCreated(*survivor, "acme");
  REQUIRE(WaitFor([&] { return AllDelivered(after, DeliveryCounts(receiver)); }, std::chrono::seconds(20)));
  auto counts = DeliveryCounts(receiver);
  for (const auto& id : ids) {
    INFO(id);
    CHECK(counts[id] == 1);
  }
  for (const auto& [id, n] : counts) {
    INFO(id);
    CHECK(after.count(id) == 1);  // nothing from before the webhook existed
  }
}

TEST_CASE("cluster: a holder that stops releases the lease, and another node takes it at once", "[e2e][cluster]") {
  ScopedEnv env;
  // Expiry would take 20 s; the other node's next attempt comes within 5 s of the release.
  env.Set("KEYLEDGER_LEASE_TTL_MS", "20000");
  kl::test::PgServer pg;
  const std::string db = pg.CreateDatabase();
  const std::string log = pg.uri(db);
  Server a(NodeArgs(log));
  std::string holder;
  REQUIRE(WaitFor([&] { return !(holder = Holder(pg, db)).empty(); }));
  REQUIRE(HolderPid(holder) == a.Pid());
  Server b(NodeArgs(log));
  REQUIRE(a.Stop() == 0);
  const pid_t b_pid = b.Pid();
  CHECK(WaitFor([&] { return HolderPid(Holder(pg, db)) == b_pid; }, std::chrono::seconds(12)));
}

TEST_CASE("cluster: usage flushed by two nodes merges into the latest last_used_at", "[e2e][cluster]") {
  kl::test::PgServer pg;
  const std::string log = pg.uri(pg.CreateDatabase());
  // A flushes only when stopped, so its older use lands in the log after B's newer one.
  Server a(NodeArgs(log, {"--usage-flush-ms", "3600000"}));
  Server b(NodeArgs(log, {"--usage-flush-ms", "50"}));
  auto on_a = a.Admin();
  auto on_b = b.Admin();
  CreateOrg(*on_a, "acme");
  auto key = CreateKey(*on_a, "acme");
  const std::string path = "/v1/orgs/acme/api-keys/" + key.id;
  REQUIRE(Validate(*on_a, key.value)["code"] == "VALID");
  const json used_on_a = on_a->Get(path).Json()["last_used_at"];
  REQUIRE(used_on_a.is_string());
  // B's use is later than A's (by the clock both share).
  REQUIRE(WaitFor([&] { return Validate(*on_b, key.value)["code"] == "VALID" &&
                               on_b->Get(path).Json()["last_used_at"] != used_on_a; }));
  const json used_on_b = on_b->Get(path).Json()["last_used_at"];
  REQUIRE(used_on_b.get<std::string>() > used_on_a.get<std::string>());
  REQUIRE(WaitFor([&] { return CountOf(Types(KeyEvents(*on_b, "acme", key.id)), "KeyUsed") >= 1; }));
  REQUIRE(a.Stop() == 0);  // flushes A's use now
  REQUIRE(WaitFor([&] { return on_b->Get(path).Json()["usage_count"].get<int>() >= 2; }));
  auto merged = on_b->Get(path).Json();
  CHECK(merged["last_used_at"] == used_on_b);
  // A node that folds the whole log afresh agrees.
  Server c(NodeArgs(log));
  auto on_c = c.Admin();
  auto seen = on_c->Get(path).Json();
  CHECK(seen["last_used_at"] == used_on_b);
  CHECK(seen["usage_count"] == merged["usage_count"]);
}
