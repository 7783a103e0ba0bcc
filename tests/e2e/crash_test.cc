// kill -9 at random moments under concurrent writes. After every restart: every
// acknowledged lifecycle change is there, the log is gap-free, both hash chains verify and
// projections == fold(log) (`keyledger verify`).
// Short form in CI (KEYLEDGER_CRASH_CYCLES, default 4); the long form is documented in
// docs/reliability.md.
#include <catch2/catch.hpp>

#include <atomic>
#include <map>
#include <mutex>
#include <random>
#include <set>
#include <thread>

#include "tests/e2e/kl_server.h"

using namespace kl::e2e;

namespace {

struct Acknowledged {
  std::mutex mu;
  std::map<std::string, int64_t> min_version;  // key id -> a version a 2xx answer reported
  std::map<std::string, std::string> values;   // key id -> secret (to validate after restart)
  std::set<std::string> revoked;
  // Revokes sent, acknowledged or not: one the crash cut off before its answer may or may not
  // have become durable, and either outcome is correct.
  std::set<std::string> revoke_sent;
  void Saw(const json& key) {
    std::lock_guard lock(mu);
    int64_t& v = min_version[key["id"]];
    v = std::max<int64_t>(v, key["version"].get<int64_t>());
    if (key["status"] == "revoked") revoked.insert(key["id"]);
  }
};

void Worker(const std::string& url, Acknowledged& acked, std::atomic<bool>& stop, unsigned seed) {
  std::mt19937 rng(seed);
  Client c(url, Server::kAdminToken);
  std::vector<std::pair<std::string, std::string>> mine;  // id, value
  while (!stop) {
    try {
      int op = static_cast<int>(rng() % 10);
      if (op < 4 || mine.empty()) {
        auto r = c.Post("/v1/orgs/acme/api-keys", {{"name", "crash"}});
        if (r.status != 201) continue;
        auto j = r.Json();
        acked.Saw(j["api_key"]);
        std::lock_guard lock(acked.mu);
        acked.values[j["api_key"]["id"]] = j["value"];
        mine.emplace_back(j["api_key"]["id"], j["value"]);
      } else {
        auto& [id, value] = mine[rng() % mine.size()];
        if (op < 6) {
          auto r = c.Patch("/v1/orgs/acme/api-keys/" + id, {{"name", "p" + std::to_string(rng() % 1000)}});
          if (r.status == 200) acked.Saw(r.Json());
        } else if (op < 7) {
          {
            std::lock_guard lock(acked.mu);
            acked.revoke_sent.insert(id);
          }
          auto r = c.Delete("/v1/orgs/acme/api-keys/" + id);
          if (r.status == 200) acked.Saw(r.Json()["api_key"]);
        } else {
          c.Post("/v1/validations", {{"value", value}});
        }
      }
    } catch (...) {
      return;  // the server died under us: that is the point
    }
  }
}

}  // namespace

TEST_CASE("crash: kill -9 under concurrent writes never loses an acknowledged change", "[e2e][crash]") {
  int cycles = 4;
  if (const char* env = std::getenv("KEYLEDGER_CRASH_CYCLES")) cycles = std::atoi(env);
  Server server({"--usage-flush-ms", "20"});
  CreateOrg(*server.Admin(), "acme");
  Acknowledged acked;
  std::mt19937 rng(std::random_device{}());
  for (int cycle = 0; cycle < cycles; ++cycle) {
    std::atomic<bool> stop{false};
    std::vector<std::thread> workers;
    for (unsigned t = 0; t < 4; ++t)
      workers.emplace_back(Worker, server.Url(), std::ref(acked), std::ref(stop), rng());
    // The crash lands at a random moment of the write load (a deliberate delay, not a wait).
    std::this_thread::sleep_for(std::chrono::milliseconds(100 + rng() % 400));
    server.Kill9();
    stop = true;
    for (auto& w : workers) w.join();
    {
      // Straight on the crashed directory: chains, gap-free log, projections == fold(log).
      auto [rc, out] = RunCli("verify --data-dir " + server.DataDir());
      INFO("cycle " << cycle << ": " << out);
      REQUIRE(rc == 0);
    }
    server.Start();

    auto admin = server.Admin();
    std::lock_guard lock(acked.mu);
    INFO("cycle " << cycle << ", " << acked.min_version.size() << " keys acknowledged");
    for (const auto& [id, version] : acked.min_version) {
      auto r = admin->Get("/v1/orgs/acme/api-keys/" + id);
      REQUIRE(r.status == 200);
      CHECK(r.Json()["version"].get<int64_t>() >= version);
      if (acked.revoked.count(id)) CHECK(r.Json()["status"] == "revoked");
    }
    auto feed = admin->Get("/v1/events?limit=1000&type=OrgCreated,KeyCreated,KeyUpdated,KeyRevoked").Json();
    CHECK(feed["head_seq"].get<uint64_t>() >= feed["data"].size());
    // Validation still answers for every acknowledged key.
    int checked = 0;
    for (const auto& [id, value] : acked.values) {
      if (++checked > 20) break;
      auto code = Validate(*admin, value)["code"];
      INFO("key " << id);
      if (acked.revoked.count(id)) {
        CHECK(code == "REVOKED");
      } else if (acked.revoke_sent.count(id)) {
        CHECK((code == "REVOKED" || code == "VALID"));  // cut off by the crash: either is honest
      } else {
        CHECK(code == "VALID");
      }
    }
  }
  REQUIRE(server.Stop() == 0);
  auto [rc, out] = RunCli("verify --data-dir " + server.DataDir());
  INFO(out);
  CHECK(rc == 0);
  CHECK(acked.min_version.size() > 0);
}
