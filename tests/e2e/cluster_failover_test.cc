// Three keyledger nodes on one PostgreSQL log, with the failures a cluster is for: the
// PostgreSQL primary killed and its synchronous standby promoted, again and again, under
// concurrent creates; a node killed and restarted; concurrent changes from every node; nodes
// starting at once on an empty database (docs/cluster.md, "Failover" and "Tests").
#include <algorithm>
#include <atomic>
#include <catch2/catch.hpp>
#include <map>
#include <mutex>
#include <optional>
#include <thread>

#include "tests/e2e/kl_server.h"
#include "tests/support/pg_replica_set.h"
#include "tests/support/pg_server.h"

using namespace kl::e2e;
using Clock = std::chrono::steady_clock;

namespace {

// The node's head: seq, hash and recorded_at (its signature is the node's own, unless the nodes
// share --signing-key).
json Head(Client& c) {
  auto r = c.Get("/v1/ledger/head");
  if (r.status != 200) throw std::runtime_error("ledger head: " + std::to_string(r.status) + " " + r.body);
  auto head = r.Json();
  return {{"seq", head["seq"]}, {"hash", head["hash"]}, {"recorded_at", head["recorded_at"]}};
}

// Waits until every node reports the same head (seq and hash); returns it.
json SameHead(const std::vector<Client*>& nodes, std::chrono::seconds timeout = std::chrono::seconds(30)) {
  json head;
  bool same = WaitFor(
      [&] {
        head = Head(*nodes[0]);
        for (size_t i = 1; i < nodes.size(); ++i)
          if (Head(*nodes[i]) != head) return false;
        return true;
      },
      timeout);
  if (!same) throw std::runtime_error("the nodes' heads did not converge");
  return head;
}

// Every key of the org, by id, as the node lists it (all pages, oldest first).
std::map<std::string, json> ListKeys(Client& c, const std::string& org) {
  std::map<std::string, json> keys;
  std::string cursor;
  for (;;) {
    auto r = c.Get("/v1/orgs/" + org + "/api-keys?status=all&limit=100&order=asc" + (cursor.empty() ? "" : "&cursor=" + cursor));
    if (r.status != 200) throw std::runtime_error("list keys: " + r.body);
    auto page = r.Json();
    for (const auto& k : page["data"]) keys[k["id"].get<std::string>()] = k;
    if (page["next_cursor"].is_null()) return keys;
    cursor = page["next_cursor"];
  }
}

// Waits until every node lists the same keys, usage included (each node shows its own validations
// before its next usage flush, and the others' after it); returns the listing.
std::map<std::string, json> SameListing(const std::vector<Client*>& nodes, const std::string& org) {
  std::map<std::string, json> listed;
  bool same = WaitFor([&] {
    listed = ListKeys(*nodes[0], org);
    for (size_t i = 1; i < nodes.size(); ++i)
      if (ListKeys(*nodes[i], org) != listed) return false;
    return true;
  });
  if (!same) throw std::runtime_error("the nodes' listings did not converge");
  return listed;
}

// Exports the org on the node and checks the file with `keyledger verify-export` against the
// node's public key: the org's hash chain links from its first event to its head.
void ExportVerifies(const Server& node, const std::string& org) {
  auto admin = node.Admin();
  auto made = admin->Post("/v1/exports", {{"org_id", org}, {"format", "ndjson"}});
  REQUIRE(made.status == 201);
  auto manifest = made.Json();
  const std::string id = manifest["id"];
  auto file = admin->Get("/v1/exports/" + id + "/file");
  REQUIRE(file.status == 200);
  const std::string dir = MakeTempDir("export");
  std::ofstream(dir + "/e.ndjson") << file.body;
  std::ofstream(dir + "/e.ndjson.manifest.json") << manifest.dump();
  std::ofstream(dir + "/pub.pem") << Client(node.Url()).Get("/v1/ledger/public-key").Json()["public_key_pem"].get<std::string>();
  auto [rc, out] = RunCli("verify-export " + dir + "/e.ndjson --public-key " + dir + "/pub.pem");
  INFO(out);
  CHECK(rc == 0);
  std::error_code ec;
  fs::remove_all(dir, ec);
}

int FailoverCycles() {
  const char* v = std::getenv("KEYLEDGER_FAILOVER_CYCLES");
  return v ? std::max(1, std::atoi(v)) : 10;
}

// KEYLEDGER_FAILOVER_KILL=postmaster kills the primary's postmaster a moment before its
// backends instead of all at once (bench/failover; docs/cluster.md, "Failover").
bool KillPostmasterFirst() {
  const char* v = std::getenv("KEYLEDGER_FAILOVER_KILL");
  return v && std::string(v) == "postmaster";
}

// One create attempt as a client saw it.
struct Attempt {
  std::string name;
  long status = 0;  // 0: no HTTP answer (the connection failed)
  std::string id;
  Clock::time_point sent, answered;
};

// Creates keys on one node as fast as it answers until told to stop, recording every attempt.
class Creator {
 public:
  Creator(const Server& node, std::string org, std::string prefix, std::atomic<int>& acked)
      : node_(node), org_(std::move(org)), prefix_(std::move(prefix)), acked_(acked), thread_([this] { Run(); }) {}
  ~Creator() { Stop(); }
  void Stop() {
    stop_ = true;
    if (thread_.joinable()) thread_.join();
  }
  std::vector<Attempt> attempts() {
    std::lock_guard lock(mu_);
    return attempts_;
  }

 private:
  void Run() {
    auto admin = node_.Admin();
    for (int i = 0; !stop_; ++i) {
      Attempt a{prefix_ + "-" + std::to_string(i)};
      a.sent = Clock::now();
      try {
        auto r = admin->Post("/v1/orgs/" + org_ + "/api-keys", {{"name", a.name}});
        a.status = r.status;
        if (r.status == 201) a.id = r.Json()["api_key"]["id"];
      } catch (const std::exception&) {
        a.status = 0;
      }
      a.answered = Clock::now();
      const bool ok = a.status == 201;
      if (ok) ++acked_;
      {
        std::lock_guard lock(mu_);
        attempts_.push_back(std::move(a));
      }
      // A client's pause after a refusal, so a node without a log is not asked in a tight loop.
      if (!ok) std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
  }
  const Server& node_;
  std::string org_, prefix_;
  std::atomic<int>& acked_;
  std::atomic<bool> stop_{false};
  std::mutex mu_;
  std::vector<Attempt> attempts_;
  std::thread thread_;
};

}  // namespace

TEST_CASE("cluster: creates and patches and revokes made at once on three nodes converge", "[e2e][cluster]") {
  kl::test::PgServer pg;
  const std::string log = pg.uri(pg.CreateDatabase());
  Server a({"--log", log}), b({"--log", log}), c({"--log", log});
  const Server* nodes[3] = {&a, &b, &c};
  auto on_a = a.Admin(), on_b = b.Admin(), on_c = c.Admin();
  std::vector<Client*> clients{on_a.get(), on_b.get(), on_c.get()};
  CreateOrg(*on_a, "acme");
  for (auto* cl : clients) REQUIRE(WaitFor([&] { return cl->Get("/v1/orgs/acme").status == 200; }));

  // Each node creates ten keys and renames each, all three at once.
  constexpr int kPerNode = 10;
  std::vector<CreatedKey> made[3];
  std::vector<std::thread> workers;
  for (int n = 0; n < 3; ++n)
    workers.emplace_back([&, n] {
      auto admin = nodes[n]->Admin();
      for (int k = 0; k < kPerNode; ++k) {
        made[n].push_back(CreateKey(*admin, "acme", {{"name", "n" + std::to_string(n) + "-" + std::to_string(k)}}));
        auto r = admin->Patch("/v1/orgs/acme/api-keys/" + made[n].back().id, {{"name", "renamed"}});
        if (r.status != 200) throw std::runtime_error("rename: " + r.body);
      }
    });
  for (auto& t : workers) t.join();
  workers.clear();

  // Then each node changes the others' keys at once: node n describes every key of node n+1 and
  // revokes the even keys of node n+2, so each even key is patched and revoked by two nodes at once.
  std::atomic<int> server_errors{0};
  for (int n = 0; n < 3; ++n)
    workers.emplace_back([&, n] {
      auto admin = nodes[n]->Admin();
      for (int k = 0; k < kPerNode; ++k) {
        const auto& described = made[(n + 1) % 3][k];
        // A node may not have folded the other's create yet: wait until it has.
        WaitFor([&] { return admin->Get("/v1/orgs/acme/api-keys/" + described.id).status == 200; });
        auto p = admin->Patch("/v1/orgs/acme/api-keys/" + described.id, {{"description", "by node " + std::to_string(n)}});
        if (p.status >= 500) ++server_errors;
        if (k % 2 == 0) {
          const auto& revoked = made[(n + 2) % 3][k];
          WaitFor([&] { return admin->Get("/v1/orgs/acme/api-keys/" + revoked.id).status == 200; });
          if (admin->Delete("/v1/orgs/acme/api-keys/" + revoked.id).status != 200) ++server_errors;
        }
      }
    });
  for (auto& t : workers) t.join();
  CHECK(server_errors == 0);

  // One log: the same head, the same listing and the same answers on every node.
  json head = SameHead(clients);
  CHECK(head["seq"].get<uint64_t>() >= 1 + 3 * kPerNode * 2 + 3 * (kPerNode / 2));
  auto listed = SameListing(clients, "acme");
  CHECK(listed.size() == 3 * kPerNode);
  for (int n = 0; n < 3; ++n)
    for (int k = 0; k < kPerNode; ++k) {
      const auto& key = made[n][k];
      const std::string expected = k % 2 == 0 ? "REVOKED" : "VALID";
      for (auto* cl : clients) CHECK(Validate(*cl, key.value)["code"] == expected);
      auto types = Types(KeyEvents(*on_b, "acme", key.id));
      CHECK(std::count(types.begin(), types.end(), "KeyRevoked") == (k % 2 == 0 ? 1 : 0));
    }
  // The org's chain verifies from every node's export.
  for (const Server* node : nodes) ExportVerifies(*node, "acme");
  SameHead(clients);
}

TEST_CASE("cluster: a revocation on node A reads REVOKED on B and C", "[e2e][cluster]") {
  kl::test::PgServer pg;
  const std::string log = pg.uri(pg.CreateDatabase());
  Server a({"--log", log}), b({"--log", log}), c({"--log", log});
  auto on_a = a.Admin(), on_b = b.Admin(), on_c = c.Admin();
  CreateOrg(*on_a, "acme");
  for (int i = 0; i < 5; ++i) {
    auto key = CreateKey(*on_a, "acme");
    for (Client* other : {on_b.get(), on_c.get()})
      REQUIRE(WaitFor([&] { return Validate(*other, key.value)["code"] == "VALID"; }));
    REQUIRE(on_a->Delete("/v1/orgs/acme/api-keys/" + key.id).status == 200);
    for (Client* other : {on_b.get(), on_c.get()})
      REQUIRE(WaitFor([&] { return Validate(*other, key.value)["code"] == "REVOKED"; }));
  }
}

TEST_CASE("cluster: a node killed with kill -9 leaves the others serving and catches up when restarted", "[e2e][cluster]") {
  kl::test::PgServer pg;
  const std::string log = pg.uri(pg.CreateDatabase());
  const std::string c_dir = MakeTempDir("node-c");
  Server a({"--log", log}), b({"--log", log});
  auto c = std::make_unique<Server>(std::vector<std::string>{"--log", log}, c_dir);
  auto on_a = a.Admin(), on_b = b.Admin();
  CreateOrg(*on_a, "acme");
  auto before = CreateKey(*on_a, "acme");
  REQUIRE(WaitFor([&] { return Validate(*on_b, before.value)["code"] == "VALID"; }));
  REQUIRE(WaitFor([&] { return Validate(*c->Admin(), before.value)["code"] == "VALID"; }));

  c->Kill9();
  // A and B write, revoke and validate as before.
  std::vector<CreatedKey> while_down;
  for (int i = 0; i < 5; ++i) while_down.push_back(CreateKey(i % 2 ? *on_a : *on_b, "acme"));
  REQUIRE(on_b->Delete("/v1/orgs/acme/api-keys/" + before.id).status == 200);
  REQUIRE(WaitFor([&] { return Validate(*on_a, before.value)["code"] == "REVOKED"; }));
  for (const auto& k : while_down) {
    REQUIRE(WaitFor([&] { return Validate(*on_a, k.value)["code"] == "VALID"; }));
    REQUIRE(WaitFor([&] { return Validate(*on_b, k.value)["code"] == "VALID"; }));
  }

  // Restarted on its own data directory, C folds what it missed.
  c = std::make_unique<Server>(std::vector<std::string>{"--log", log}, c_dir);
  auto on_c = c->Admin();
  SameHead({on_a.get(), on_b.get(), on_c.get()});
  CHECK(Validate(*on_c, before.value)["code"] == "REVOKED");
  for (const auto& k : while_down) CHECK(Validate(*on_c, k.value)["code"] == "VALID");
  CHECK(SameListing({on_a.get(), on_b.get(), on_c.get()}, "acme").size() == 1 + while_down.size());
  // And writes again.
  auto after = CreateKey(*on_c, "acme");
  REQUIRE(WaitFor([&] { return Validate(*on_a, after.value)["code"] == "VALID"; }));
  c.reset();
  std::error_code ec;
  fs::remove_all(c_dir, ec);
}

TEST_CASE("cluster: two nodes starting at once on an empty database come up on one schema", "[e2e][cluster]") {
  kl::test::PgServer pg;
  for (int round = 0; round < 3; ++round) {  // a fresh empty database each time: the race differs
    INFO("round " << round);
    const std::string db = pg.CreateDatabase();
    const std::string log = pg.uri(db);
    std::unique_ptr<Server> nodes[2];
    std::string errors[2];
    std::vector<std::thread> starting;
    for (int n = 0; n < 2; ++n)
      starting.emplace_back([&, n] {
        try {
          nodes[n] = std::make_unique<Server>(std::vector<std::string>{"--log", log});
        } catch (const std::exception& e) {
          errors[n] = e.what();
        }
      });
    for (auto& t : starting) t.join();
    INFO(errors[0] << errors[1]);
    REQUIRE(nodes[0]);
    REQUIRE(nodes[1]);
    // Each migration applied once, numbered from 1 without a gap.
    CHECK(pg.Query(db, "SELECT count(*) = count(DISTINCT version) AND count(*) = max(version) AND count(*) > 0 "
                       "FROM keyledger_schema") == "t");
    auto on_a = nodes[0]->Admin(), on_b = nodes[1]->Admin();
    CreateOrg(*on_a, "acme");
    REQUIRE(WaitFor([&] { return on_b->Get("/v1/orgs/acme").status == 200; }));
    auto key = CreateKey(*on_b, "acme");
    REQUIRE(WaitFor([&] { return Validate(*on_a, key.value)["code"] == "VALID"; }));
  }
}

// The PostgreSQL primary dies (kill -9 of every server process) under creates on three nodes,
// and its synchronous standby is promoted; the nodes find it through their multi-host --log.
// Every create answered 201 is on every node afterwards; none answered 503 or 4xx is. Each cycle
// then clones a fresh synchronous standby from the new primary for the next one.
TEST_CASE("cluster: acknowledged creates survive kill -9 of the primary and promotion of the standby",
          "[e2e][cluster][failover]") {
  const int cycles = FailoverCycles();
  kl::test::PgReplicaSet rs;
  const std::string db = rs.CreateDatabase();
  const std::string log = rs.uri(db);
  Server a({"--log", log}), b({"--log", log}), c({"--log", log});
  const Server* nodes[3] = {&a, &b, &c};
  auto on_a = a.Admin(), on_b = b.Admin(), on_c = c.Admin();
  std::vector<Client*> clients{on_a.get(), on_b.get(), on_c.get()};
  CreateOrg(*on_a, "acme");
  for (auto* cl : clients) REQUIRE(WaitFor([&] { return cl->Get("/v1/orgs/acme").status == 200; }));

  std::atomic<int> acked{0};
  std::vector<std::unique_ptr<Creator>> creators;
  for (int n = 0; n < 3; ++n)
    creators.push_back(std::make_unique<Creator>(*nodes[n], "acme", "n" + std::to_string(n), acked));
  // Writes flow on every node before each kill and after the last promotion.
  auto writes_flow = [&] {
    int from = acked;
    return WaitFor([&] { return acked >= from + 15; }, std::chrono::seconds(60));
  };

  std::vector<Clock::time_point> kills;
  for (int cycle = 0; cycle < cycles; ++cycle) {
    INFO("cycle " << cycle);
    REQUIRE(writes_flow());
    rs.KillPrimary(KillPostmasterFirst());
    kills.push_back(Clock::now());  // from here on, a create can only commit on the promoted standby
    rs.PromoteStandby();
    REQUIRE(writes_flow());
    rs.AddStandby();
  }
  REQUIRE(writes_flow());
  for (auto& cr : creators) cr->Stop();

  std::vector<Attempt> attempts;
  for (auto& cr : creators) {
    auto mine = cr->attempts();
    attempts.insert(attempts.end(), mine.begin(), mine.end());
  }
  // Reported, not asserted: the time from each kill (every server process gone) to the first
  // acknowledged create sent after it (bench/failover reads these lines).
  for (size_t k = 0; k < kills.size(); ++k) {
    std::optional<Clock::duration> first;
    for (const auto& at : attempts)
      if (at.status == 201 && at.sent >= kills[k] && (!first || at.answered - kills[k] < *first))
        first = at.answered - kills[k];
    if (first)
      std::fprintf(stderr, "failover cycle %zu: kill to first acknowledged create %lld ms\n", k + 1,
                   static_cast<long long>(std::chrono::duration_cast<std::chrono::milliseconds>(*first).count()));
  }

  json head = SameHead(clients, std::chrono::seconds(60));
  std::map<std::string, const Attempt*> by_name;
  int acknowledged = 0, refused = 0;
  for (const auto& at : attempts) {
    by_name[at.name] = &at;
    acknowledged += at.status == 201;
    refused += at.status != 201 && at.status != 0;
  }
  std::fprintf(stderr, "failover: %d cycles, %zu creates sent, %d acknowledged, %d refused\n", cycles,
               attempts.size(), acknowledged, refused);
  for (auto* cl : clients) {
    auto listed = ListKeys(*cl, "acme");
    // A key in the log is one whose create was acknowledged, or whose answer never came.
    std::vector<std::string> refused_but_present, acknowledged_but_missing;
    for (const auto& [id, key] : listed) {
      auto it = by_name.find(key["name"].get<std::string>());
      if (it == by_name.end() || (it->second->status != 201 && it->second->status != 0))
        refused_but_present.push_back(id + " " + key["name"].get<std::string>() + " answered " +
                                      (it == by_name.end() ? "never sent" : std::to_string(it->second->status)));
    }
    for (const auto& at : attempts)
      if (at.status == 201 && !listed.count(at.id)) acknowledged_but_missing.push_back(at.name + " " + at.id);
    CHECK(refused_but_present == std::vector<std::string>{});
    CHECK(acknowledged_but_missing == std::vector<std::string>{});
  }
  // The log itself: every seq from 1 to the head, once.
  CHECK(rs.Query(db, "SELECT count(*) = max(seq) FROM keyledger_events") == "t");
  CHECK(rs.Query(db, "SELECT max(seq) FROM keyledger_events") == std::to_string(head["seq"].get<uint64_t>()));
  for (const Server* node : nodes) ExportVerifies(*node, "acme");
}
