// Honest answers under slow commits (docs/reliability.md, "Honest answers"): with every fsync
// made slow by tests/fault/fail_sync.c and read timeouts shorter than a commit, each write gets
// its real outcome, the store holds exactly the writes answered 2xx, and the connection serves
// the next request. With a processing deadline, a change still queued past it is answered 503
// and is not in the store.
#include <catch2/catch.hpp>

#include <fstream>
#include <map>
#include <optional>
#include <set>
#include <thread>

#include "tests/e2e/kl_server.h"
#include "tests/e2e/raw_conn.h"
#include "tests/e2e/scoped_env.h"

using namespace kl::e2e;

namespace {

int PortOf(const Server& s) { return std::stoi(s.Url().substr(s.Url().rfind(':') + 1)); }

std::string RawRequest(const std::string& method, const std::string& path, const std::string& body = "") {
  std::string r = method + " " + path + " HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + Server::kAdminToken + "\r\n";
  if (!body.empty()) r += "Content-Type: application/json\r\n";
  r += "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body;
  return r;
}

// What one request on a raw connection was answered.
struct Answer {
  int status = 0;  // 0: no answer (the connection closed)
  std::string raw;
  bool Has(const std::string& header_line) const { return raw.find(header_line) != std::string::npos; }
  json Body() const {
    auto end = raw.find("\r\n\r\n");
    return end == std::string::npos ? json() : json::parse(raw.substr(end + 4), nullptr, false);
  }
};

Answer Exchange(RawConn& conn, const std::string& request) {
  conn.Send(request);
  Answer a;
  a.raw = conn.ReadResponse(30000);
  if (a.raw.rfind("HTTP/1.1 ", 0) == 0) a.status = std::stoi(a.raw.substr(9, 3));
  return a;
}

std::map<std::string, json> KeysByName(Client& admin, const std::string& org) {
  auto r = admin.Get("/v1/orgs/" + org + "/api-keys?limit=100&status=all");
  if (r.status != 200) throw std::runtime_error("list keys: " + r.body);
  std::map<std::string, json> out;
  json page = r.Json();  // kept: the loop must not range over a member of a temporary
  for (const auto& k : page["data"]) out[k["name"].get<std::string>()] = k;
  if (out.empty()) throw std::runtime_error("list keys: " + r.body);
  return out;
}

// A server with the fault shim preloaded; `delay_file` slows every fsync while it exists.
void StartSlowDiskServer(std::optional<Server>& server, const std::string& delay_file, std::vector<std::string> args,
                         std::vector<std::pair<std::string, std::string>> env_vars = {}) {
#ifdef KEYLEDGER_FAIL_SYNC_SHIM
  ScopedEnv env;
  env.Preload(KEYLEDGER_FAIL_SYNC_SHIM);
  env.Set("KEYLEDGER_FAULT_SYNC_DELAY_FILE", delay_file);
  for (const auto& [k, v] : env_vars) env.Set(k, v);
  server.emplace(std::move(args));
#endif
}

}  // namespace

TEST_CASE("writes whose commits outlast the read timeouts get their real outcome, and the connection goes on",
          "[e2e][faults][slow-commit]") {
#ifndef KEYLEDGER_FAIL_SYNC_SHIM
  WARN("the fail_sync shim is not built (cmake/fault.cmake): the slow-commit test did not run");
#else
  std::string work = MakeTempDir("slow-commit");
  std::string delay = work + "/sync-delay";
  std::optional<Server> server;
  StartSlowDiskServer(server, delay, {"--header-timeout-ms", "200", "--body-timeout-ms", "200"},
                               {{"KEYLEDGER_SLOW_COMMIT_MS", "300"}});
  auto admin = server->Admin();
  CreateOrg(*admin, "acme");
  constexpr int kClients = 6;
  std::vector<CreatedKey> to_revoke, to_patch;
  for (int c = 0; c < kClients; ++c) {
    to_revoke.push_back(CreateKey(*admin, "acme", {{"name", "revoke-" + std::to_string(c)}}));
    to_patch.push_back(CreateKey(*admin, "acme", {{"name", "patch-" + std::to_string(c)}}));
  }

  std::ofstream(delay) << 400;  // every commit now takes at least 400 ms: twice the read timeouts
  struct Outcome {
    Answer create, revoke, patch, after;
  };
  std::vector<Outcome> outcomes(kClients);
  std::vector<std::thread> clients;
  for (int c = 0; c < kClients; ++c)
    clients.emplace_back([&, c] {
      RawConn conn(PortOf(*server));
      std::string n = std::to_string(c);
      Outcome& o = outcomes[c];
      o.create = Exchange(conn, RawRequest("POST", "/v1/orgs/acme/api-keys", json{{"name", "created-" + n}}.dump()));
      o.revoke = Exchange(conn, RawRequest("DELETE", "/v1/orgs/acme/api-keys/" + to_revoke[c].id));
      o.patch = Exchange(conn, RawRequest("PATCH", "/v1/orgs/acme/api-keys/" + to_patch[c].id,
                                          json{{"name", "patched-" + n}}.dump()));
      o.after = Exchange(conn, RawRequest("GET", "/v1/orgs/acme/api-keys/" + to_patch[c].id));
    });
  for (auto& t : clients) t.join();
  std::filesystem::remove(delay);

  auto keys = KeysByName(*admin, "acme");
  for (int c = 0; c < kClients; ++c) {
    const Outcome& o = outcomes[c];
    std::string n = std::to_string(c);
    INFO("client " << c << "\ncreate: " << o.create.raw << "\nrevoke: " << o.revoke.raw << "\npatch: " << o.patch.raw
                   << "\nafter: " << o.after.raw);
    CHECK(o.create.status == 201);
    CHECK(o.revoke.status == 200);
    CHECK(o.patch.status == 200);
    CHECK(o.after.status == 200);  // the connection serves the next request
    // The store holds exactly what was answered 2xx.
    CHECK(keys.count("created-" + n) == (o.create.status == 201 ? 1u : 0u));
    CHECK((keys.at("revoke-" + n)["status"] == "revoked") == (o.revoke.status == 200));
    CHECK(keys.count("patched-" + n) == (o.patch.status == 200 ? 1u : 0u));
  }
  // The slow commits are visible: counted and logged.
  auto metrics = admin->Get("/metrics").body;
  CHECK(metrics.find("keyledger_slow_commits_total 0\n") == std::string::npos);
  CHECK(server->Log().find("waited") != std::string::npos);
  std::filesystem::remove_all(work);
#endif
}

TEST_CASE("a read timeout still answers 408 with Connection: close while other requests commit slowly",
          "[e2e][faults][slow-commit]") {
#ifdef KEYLEDGER_FAIL_SYNC_SHIM
  std::string work = MakeTempDir("slow-commit");
  std::string delay = work + "/sync-delay";
  std::optional<Server> server;
  StartSlowDiskServer(server, delay, {"--header-timeout-ms", "200", "--body-timeout-ms", "200"});
  auto admin = server->Admin();
  CreateOrg(*admin, "acme");
  std::ofstream(delay) << 400;
  RawConn stalled(PortOf(*server));
  stalled.Send("POST /v1/orgs/acme/api-keys HTTP/1.1\r\nHost: x\r\nContent-Length: 40\r\n\r\n{");
  RawConn writer(PortOf(*server));
  Answer created = Exchange(writer, RawRequest("POST", "/v1/orgs/acme/api-keys", json{{"name", "k"}}.dump()));
  std::string timed_out = stalled.ReadResponse(10000);
  std::filesystem::remove(delay);
  CHECK(created.status == 201);
  INFO(timed_out);
  CHECK(timed_out.rfind("HTTP/1.1 408", 0) == 0);
  CHECK(timed_out.find("Connection: close\r\n") != std::string::npos);
  CHECK(timed_out.find("\"request_timeout\"") != std::string::npos);
  CHECK(stalled.ClosedByPeer(10000));
  std::filesystem::remove_all(work);
#endif
}

TEST_CASE("a change still waiting to commit past the request deadline is answered 503 and is not in the store",
          "[e2e][faults][slow-commit]") {
#ifdef KEYLEDGER_FAIL_SYNC_SHIM
  std::string work = MakeTempDir("slow-commit");
  std::string delay = work + "/sync-delay";
  std::optional<Server> server;
  StartSlowDiskServer(server, delay, {}, {{"KEYLEDGER_REQUEST_DEADLINE_MS", "300"}});
  auto admin = server->Admin();
  CreateOrg(*admin, "acme");
  std::ofstream(delay) << 600;  // a commit outlasts the deadline: whatever queues behind it expires

  // Waves of concurrent creates until one is refused (the first of a wave commits; those queued
  // behind its 600 ms fsync pass their 300 ms deadline before they can enter a group).
  std::map<std::string, Answer> answers;
  std::map<std::string, Answer> next_on_connection;
  bool refused = false;
  for (int wave = 0; wave < 10 && !refused; ++wave) {
    constexpr int kWave = 6;
    std::vector<Answer> got(kWave), next(kWave);
    std::vector<std::thread> clients;
    for (int i = 0; i < kWave; ++i)
      clients.emplace_back([&, i] {
        RawConn conn(PortOf(*server));
        std::string name = "w" + std::to_string(wave) + "-" + std::to_string(i);
        got[i] = Exchange(conn, RawRequest("POST", "/v1/orgs/acme/api-keys", json{{"name", name}}.dump()));
        next[i] = Exchange(conn, RawRequest("GET", "/healthz"));
      });
    for (auto& t : clients) t.join();
    for (int i = 0; i < kWave; ++i) {
      std::string name = "w" + std::to_string(wave) + "-" + std::to_string(i);
      refused |= got[i].status == 503;
      answers[name] = got[i];
      next_on_connection[name] = next[i];
    }
  }
  std::filesystem::remove(delay);
  REQUIRE(refused);

  auto keys = KeysByName(*admin, "acme");
  for (const auto& [name, a] : answers) {
    INFO(name << ": " << a.raw);
    CHECK((a.status == 201 || a.status == 503));
    CHECK(keys.count(name) == (a.status == 201 ? 1u : 0u));
    if (a.status == 503) {
      CHECK(a.Has("Retry-After: 1\r\n"));
      CHECK(a.Body()["error"]["code"] == "unavailable");
    }
    CHECK(next_on_connection[name].status == 200);
  }
  CHECK(admin->Get("/metrics").body.find("keyledger_expired_appends_total 0\n") == std::string::npos);
  std::filesystem::remove_all(work);
#endif
}
