// The core slice end to end — orgs, keys, validation, feed, the HTTP error contract,
// keep-alive, persistence across SIGTERM and kill -9, and secrets never at rest.
#include <catch2/catch.hpp>

#include <poll.h>

#include <atomic>
#include <random>
#include <regex>
#include <thread>

#include "tests/e2e/kl_server.h"
#include "tests/e2e/raw_conn.h"

using namespace kl::e2e;

namespace {

int PortOf(const Server& s) { return std::stoi(s.Url().substr(s.Url().rfind(':') + 1)); }

}  // namespace

TEST_CASE("the tour: create an org and a key, validate, revoke, validate again, read the events", "[e2e][core]") {
  Server server;
  auto admin = server.Admin();
  CHECK(Client(server.Url()).Get("/healthz").Json() == json{{"status", "ok"}});
  CHECK(Client(server.Url()).Get("/readyz").status == 200);

  auto org = admin->Post("/v1/orgs", {{"name", "Acme"}});
  REQUIRE(org.status == 201);
  std::string org_id = org.Json()["id"];
  CHECK(std::regex_match(org_id, std::regex("org_[0-9A-HJKMNP-TV-Z]{26}")));
  CHECK(std::regex_match(org.Json()["created_at"].get<std::string>(),
                         std::regex(R"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z)")));

  auto created = admin->Post("/v1/orgs/" + org_id + "/api-keys", {{"name", "ci"}, {"permissions", {"posts:read"}}});
  REQUIRE(created.status == 201);
  auto body = created.Json();
  std::string value = body["value"];
  std::string id = body["api_key"]["id"];
  CHECK(std::regex_match(value, std::regex("sk_live_[0-9A-Za-z]{49}")));
  CHECK(created.Header("location") == "/v1/orgs/" + org_id + "/api-keys/" + id);
  CHECK(body["api_key"]["obfuscated_value"] == "sk_live_\u2026" + value.substr(value.size() - 4));
  CHECK(body["api_key"].dump().find(value) == std::string::npos);
  for (const char* f : {"id", "org_id", "name", "description", "obfuscated_value", "prefix", "environment",
                        "permissions", "permission_set", "owner", "project_id", "metadata", "status", "created_at",
                        "created_by", "updated_at", "expires_at", "revoked_at", "revoke_reason", "expired_at",
                        "rotated_from", "rotated_to", "last_used_at", "last_used_ip", "last_used_user_agent",
                        "usage_count", "enabled", "ip_allowlist", "credits", "ratelimit", "version"})
    CHECK(body["api_key"].contains(f));

  CHECK(Validate(*admin, value)["code"] == "VALID");
  auto revoked = admin->Delete("/v1/orgs/" + org_id + "/api-keys/" + id, {{"reason", "x"}});
  REQUIRE(revoked.status == 200);
  CHECK(revoked.Json()["revoked"] == true);
  CHECK(revoked.Json()["api_key"]["revoke_reason"] == "x");
  CHECK(admin->Delete("/v1/orgs/" + org_id + "/api-keys/" + id).status == 200);  // idempotent
  auto v = Validate(*admin, value);
  CHECK(v["code"] == "REVOKED");
  CHECK(v["valid"] == false);
  CHECK(v["api_key"].is_null());
  auto types = Types(KeyEvents(*admin, org_id, id));
  CHECK(std::count(types.begin(), types.end(), "KeyRevoked") == 1);
  auto feed = admin->Get("/v1/events?org_id=" + org_id).Json();
  CHECK(feed["data"][0]["type"] == "OrgCreated");
  CHECK(feed["data"].dump().find(value) == std::string::npos);
}

TEST_CASE("orgs: ids, conflicts, listing, patching and validation", "[e2e][core]") {
  Server server;
  auto admin = server.Admin();
  REQUIRE(admin->Post("/v1/orgs", {{"name", "Acme"}, {"id", "acme-corp"}}).status == 201);
  auto dup = admin->Post("/v1/orgs", {{"name", "Again"}, {"id", "acme-corp"}});
  CHECK(dup.status == 409);
  CHECK(dup.Json()["error"]["code"] == "conflict");
  auto bad = admin->Post("/v1/orgs", {{"name", ""}, {"id", "A!"}, {"status", "gone"}});
  CHECK(bad.status == 400);
  for (const char* f : {"name", "id", "status"}) CHECK(bad.Json()["error"]["details"]["fields"].contains(f));
  for (int i = 0; i < 3; ++i) admin->Post("/v1/orgs", {{"name", "o" + std::to_string(i)}});
  auto page = admin->Get("/v1/orgs?limit=2").Json();
  CHECK(page["data"].size() == 2);
  REQUIRE(page["next_cursor"].is_string());
  auto rest = admin->Get("/v1/orgs?limit=2&cursor=" + page["next_cursor"].get<std::string>()).Json();
  CHECK(rest["data"].size() == 2);
  CHECK(rest["next_cursor"].is_null());
  auto patched = admin->Patch("/v1/orgs/acme-corp", {{"name", "Acme 2"}, {"status", "past_due"}});
  CHECK(patched.Json()["status"] == "past_due");
  CHECK(admin->Get("/v1/orgs/nope").status == 404);
  CHECK(admin->Get("/v1/orgs?limit=101").status == 400);
}

TEST_CASE("keys: listing newest first with paging and filters; 404s", "[e2e][core]") {
  Server server;
  auto admin = server.Admin();
  CreateOrg(*admin, "acme");
  std::vector<std::string> ids;
  for (int i = 0; i < 5; ++i)
    ids.push_back(CreateKey(*admin, "acme",
                            {{"name", "k" + std::to_string(i)}, {"environment", i % 2 ? "test" : "live"},
                             {"owner", {{"type", "user"}, {"id", i < 2 ? "u1" : "u2"}}}, {"project_id", "p" + std::to_string(i % 3)}})
                      .id);
  std::vector<std::string> seen;
  std::string cursor;
  do {
    auto page = admin->Get("/v1/orgs/acme/api-keys?limit=2" + (cursor.empty() ? "" : "&cursor=" + cursor)).Json();
    for (const auto& k : page["data"]) seen.push_back(k["id"]);
    cursor = page["next_cursor"].is_null() ? "" : page["next_cursor"].get<std::string>();
  } while (!cursor.empty());
  CHECK(seen == std::vector<std::string>(ids.rbegin(), ids.rend()));
  CHECK(admin->Get("/v1/orgs/acme/api-keys?environment=test").Json()["data"].size() == 2);
  CHECK(admin->Get("/v1/orgs/acme/api-keys?owner_id=u1").Json()["data"].size() == 2);
  CHECK(admin->Get("/v1/orgs/acme/api-keys?project_id=p0").Json()["data"].size() == 2);
  REQUIRE(admin->Delete("/v1/orgs/acme/api-keys/" + ids[0]).status == 200);
  CHECK(admin->Get("/v1/orgs/acme/api-keys").Json()["data"].size() == 4);
  CHECK(admin->Get("/v1/orgs/acme/api-keys?status=revoked").Json()["data"].size() == 1);
  CHECK(admin->Get("/v1/orgs/acme/api-keys?status=all").Json()["data"].size() == 5);
  CHECK(admin->Get("/v1/orgs/acme/api-keys?status=weird").status == 400);
  CHECK(admin->Get("/v1/orgs/acme/api-keys?cursor=zz").status == 400);
  CHECK(admin->Get("/v1/orgs/acme/api-keys/key_nope").status == 404);
  CHECK(admin->Get("/v1/orgs/nope/api-keys").status == 404);
  CHECK(admin->Post("/v1/orgs/nope/api-keys", {{"name", "x"}}).status == 404);
}

TEST_CASE("validation codes: MALFORMED, NOT_FOUND, EXPIRED, TENANT_INACTIVE", "[e2e][core]") {
  Server server;
  auto admin = server.Admin();
  CreateOrg(*admin, "acme");
  auto key = CreateKey(*admin, "acme");
  CHECK(Validate(*admin, "garbage")["code"] == "MALFORMED");
  std::string flipped = key.value;
  flipped[20] = flipped[20] == 'a' ? 'b' : 'a';
  CHECK(Validate(*admin, flipped)["code"] == "MALFORMED");  // the checksum catches it, no lookup
  // A well-formed value with a valid checksum that this ledger never issued: one from another server.
  {
    Server other;
    auto other_admin = other.Admin();
    CreateOrg(*other_admin, "elsewhere");
    auto foreign = CreateKey(*other_admin, "elsewhere");
    CHECK(Validate(*admin, foreign.value)["code"] == "NOT_FOUND");
  }
  auto short_lived = CreateKey(*admin, "acme", {{"ttl_seconds", 1}});
  CHECK(WaitFor([&] { return Validate(*admin, short_lived.value)["code"] == "EXPIRED"; }, std::chrono::seconds(5)));
  REQUIRE(admin->Patch("/v1/orgs/acme", {{"status", "decommissioning"}}).status == 200);
  CHECK(Validate(*admin, key.value)["code"] == "TENANT_INACTIVE");
}

TEST_CASE("the HTTP error contract", "[e2e][core]") {
  Server server;
  auto admin = server.Admin();
  Client anon(server.Url());
  auto r = anon.Get("/v1/orgs");
  CHECK(r.status == 401);
  CHECK(r.Header("www-authenticate") == "Bearer");
  CHECK(r.Json()["error"]["code"] == "unauthenticated");
  Client wrong(server.Url(), "not-the-token-not-the-token-not-the-token");
  CHECK(wrong.Get("/v1/orgs").status == 401);

  auto missing = admin->Get("/v1/nothing/here");
  CHECK(missing.status == 404);
  CHECK(missing.Json()["error"]["code"] == "not_found");
  CHECK(admin->Send("PUT", "/v1/orgs", "{}").status == 405);
  CHECK(admin->Send("DELETE", "/v1/orgs").Json()["error"]["code"] == "method_not_allowed");

  auto no_type = admin->Send("POST", "/v1/orgs", R"({"name":"x"})", {"Content-Type: text/plain"});
  CHECK(no_type.status == 415);
  CHECK(no_type.Json()["error"]["code"] == "unsupported_media_type");
  auto malformed = admin->Send("POST", "/v1/orgs", R"({"name":)");
  CHECK(malformed.status == 400);
  CHECK(malformed.Json()["error"]["code"] == "malformed_json");
  CHECK(admin->Send("POST", "/v1/orgs", "{\"name\":\"\xff\xfe\"}").Json()["error"]["code"] == "malformed_json");
  auto big = admin->Send("POST", "/v1/orgs", "{\"name\":\"" + std::string(70000, 'x') + "\"}");
  CHECK(big.status == 413);
  CHECK(big.Json()["error"]["code"] == "payload_too_large");
  auto unknown = admin->Post("/v1/orgs", {{"name", "x"}, {"unknown_field", 1}});  // refused, never ignored
  CHECK(unknown.status == 400);
  CHECK(unknown.Json()["error"]["details"]["fields"]["unknown_field"] == "is not a known field");

  auto echoed = admin->Send("GET", "/v1/nothing", "", {"X-Request-Id: abc-123.X_y"});
  CHECK(echoed.Header("x-request-id") == "abc-123.X_y");
  CHECK(echoed.Json()["error"]["request_id"] == "abc-123.X_y");
  auto replaced = admin->Send("GET", "/v1/nothing", "", {"X-Request-Id: " + std::string(65, 'a')});
  CHECK(replaced.Header("x-request-id") != std::string(65, 'a'));
  CHECK_FALSE(replaced.Header("x-request-id").empty());
  CHECK(replaced.Json()["error"]["request_id"] == replaced.Header("x-request-id"));
  // The request id reaches the events the request appended.
  auto made = admin->Send("POST", "/v1/orgs", R"({"name":"traced","id":"traced"})", {"X-Request-Id: trace-1"});
  REQUIRE(made.status == 201);
  CHECK(admin->Get("/v1/events?org_id=traced").Json()["data"][0]["request_id"] == "trace-1");
}

TEST_CASE("HTTP/1.1 keep-alive without a Connection header; Connection: close is honoured", "[e2e][core]") {
  Server server;
  RawConn conn(PortOf(server));
  for (int i = 0; i < 3; ++i) {
    conn.Send("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n");
    std::string resp = conn.ReadResponse();
    REQUIRE(resp.rfind("HTTP/1.1 200", 0) == 0);
    CHECK(resp.find("Connection: Close") == std::string::npos);
  }
  RawConn closing(PortOf(server));
  closing.Send("GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
  CHECK(closing.ReadResponse().rfind("HTTP/1.1 200", 0) == 0);
  CHECK(closing.ClosedByPeer());
}

TEST_CASE("hostile bytes get an error or a closed connection, and the server keeps serving", "[e2e][core]") {
  Server server;
  auto admin = server.Admin();
  std::mt19937 rng(42);
  for (int i = 0; i < 20; ++i) {
    RawConn c(PortOf(server));
    std::string junk(1 + rng() % 2000, '\0');
    for (auto& ch : junk) ch = static_cast<char>(rng());
    c.Send(junk + "\r\n\r\n");
    c.ReadResponse(200);
  }
  // An absurd or bogus Content-Length is refused from the header, before any body is read.
  for (const char* cl : {"99999999999", "18446744073709551615", "70000"}) {
    RawConn c(PortOf(server));
    c.Send(std::string("POST /v1/orgs HTTP/1.1\r\nHost: x\r\nContent-Length: ") + cl + "\r\n\r\nabc");
    std::string resp = c.ReadResponse();
    INFO(cl << ": " << resp);
    CHECK(resp.rfind("HTTP/1.1 413", 0) == 0);
    CHECK(resp.find("\"payload_too_large\"") != std::string::npos);
  }
  {
    RawConn c(PortOf(server));
    c.Send("POST /v1/orgs HTTP/1.1\r\nHost: x\r\nContent-Length: -1\r\n\r\nabc");
    std::string resp = c.ReadResponse();
    CHECK(resp.rfind("HTTP/1.1 400", 0) == 0);
    CHECK(resp.find("std::") == std::string::npos);  // never an exception's text
  }
  std::string deep = std::string(40000, '[') + std::string(40000, ']');
  CHECK(admin->Send("POST", "/v1/orgs", deep).status == 413);
  std::string nested = std::string(5000, '[') + std::string(5000, ']');
  CHECK(admin->Send("POST", "/v1/orgs", nested).status == 400);
  CHECK(admin->Post("/v1/orgs", {{"name", "line\r\nInjected: yes"}}).status == 201);
  CHECK(Client(server.Url()).Get("/healthz").status == 200);
}

TEST_CASE("state survives SIGTERM (exit 0) and kill -9", "[e2e][core]") {
  Server server;
  auto admin = server.Admin();
  CreateOrg(*admin, "acme");
  auto a = CreateKey(*admin, "acme");
  auto b = CreateKey(*admin, "acme");
  REQUIRE(admin->Delete("/v1/orgs/acme/api-keys/" + b.id).status == 200);
  CHECK(server.Stop() == 0);
  server.Start();
  CHECK(Validate(*admin, a.value)["code"] == "VALID");
  CHECK(Validate(*admin, b.value)["code"] == "REVOKED");

  // Every create that got its 201 is there after kill -9, even under concurrent writes.
  std::vector<std::string> acknowledged;
  std::mutex mu;
  std::atomic<bool> stop{false};
  std::vector<std::thread> writers;
  for (int t = 0; t < 4; ++t)
    writers.emplace_back([&] {
      Client c(server.Url(), Server::kAdminToken);
      while (!stop) {
        try {
          auto r = c.Post("/v1/orgs/acme/api-keys", {{"name", "w"}});
          if (r.status == 201) {
            std::lock_guard lock(mu);
            acknowledged.push_back(r.Json()["value"]);
          }
        } catch (...) {
          return;  // the server is gone
        }
      }
    });
  WaitFor([&] {
    std::lock_guard lock(mu);
    return acknowledged.size() >= 40;
  });
  server.Kill9();
  stop = true;
  for (auto& w : writers) w.join();
  server.Start();
  for (const auto& v : acknowledged) CHECK(Validate(*admin, v)["code"] == "VALID");
  auto feed = admin->Get("/v1/events?limit=1000").Json()["data"];
  for (size_t i = 0; i < feed.size(); ++i) CHECK(feed[i]["seq"] == i + 1);
  REQUIRE(server.Stop() == 0);
  auto [rc, out] = RunCli("verify --data-dir " + server.DataDir());
  INFO(out);
  CHECK(rc == 0);
}

TEST_CASE("no plaintext key or admin token at rest or in the logs; a generated admin token is 0600",
          "[e2e][core]") {
  Server server({"--usage-flush-ms", "50"});
  auto admin = server.Admin();
  CreateOrg(*admin, "acme");
  std::vector<std::string> secrets = {Server::kAdminToken};
  for (int i = 0; i < 5; ++i) {
    auto k = CreateKey(*admin, "acme");
    Validate(*admin, k.value);
    secrets.push_back(k.value);
  }
  REQUIRE(server.Stop() == 0);
  std::string everything = server.Log();
  for (const auto& entry : fs::recursive_directory_iterator(server.DataDir()))
    if (entry.is_regular_file()) everything += ReadFile(entry.path().string());
  for (const auto& s : secrets) CHECK(everything.find(s) == std::string::npos);

  // Without KEYLEDGER_ADMIN_TOKEN a token is generated into admin.token (0600) and never logged.
  std::string dir = MakeTempDir("gen");
  int port = FreePort();
  pid_t pid = ::fork();
  if (pid == 0) {
    ::unsetenv("KEYLEDGER_ADMIN_TOKEN");
    int fd = ::open((dir + "/serve.log").c_str(), O_WRONLY | O_CREAT, 0600);
    ::dup2(fd, 1);
    ::dup2(fd, 2);
    std::string bin = Binary(), data = dir + "/data", listen = "127.0.0.1:" + std::to_string(port);
    ::execl(bin.c_str(), bin.c_str(), "serve", "--data-dir", data.c_str(), "--listen", listen.c_str(), nullptr);
    ::_exit(127);
  }
  std::string url = "http://127.0.0.1:" + std::to_string(port);
  Client probe(url);
  REQUIRE(WaitFor([&] {
    try {
      return probe.Get("/healthz").status == 200;
    } catch (...) {
      return false;
    }
  }));
  std::string token = ReadFile(dir + "/data/admin.token");
  while (!token.empty() && token.back() == '\n') token.pop_back();
  CHECK(token.size() >= 32);
  auto perms = fs::status(dir + "/data/admin.token").permissions();
  CHECK((perms & (fs::perms::group_all | fs::perms::others_all)) == fs::perms::none);
  Client with_token(url, token);
  CHECK(with_token.Get("/v1/orgs").status == 200);
  ::kill(pid, SIGTERM);
  ::waitpid(pid, nullptr, 0);
  CHECK(ReadFile(dir + "/serve.log").find(token) == std::string::npos);
  fs::remove_all(dir);
}
