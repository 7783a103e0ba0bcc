// Structured logs (issues #6 and #7): with --log-format json every line is one JSON object; each
// answered request has an access line with request id, route, status, latency and actor; and no
// line ever holds a secret, a token or a secret's hash, whatever the requests carried.
#include <catch2/catch.hpp>

#include <sstream>
#include <thread>
#include <vector>

#include "tests/e2e/kl_server.h"

using namespace kl::e2e;

namespace {
// Secrets are base62 with underscores and the admin token is alphanumeric: safe in single quotes.
std::string Sha256Hex(const std::string& text) {
  FILE* p = ::popen(("printf '%s' '" + text + "' | sha256sum").c_str(), "r");
  char buf[65] = {0};
  size_t n = fread(buf, 1, 64, p);
  ::pclose(p);
  return std::string(buf, n);
}
}  // namespace

TEST_CASE("--log-format json: one object per line, an access line per request, never a secret", "[e2e][logs]") {
  std::vector<std::string> secrets = {Server::kAdminToken};
  std::string request_id = "client-chosen-id-42";
  {
    Server server({"--log-format", "json", "--log-level", "debug"});
    auto admin = server.Admin();
    CreateOrg(*admin, "acme");
    auto key = CreateKey(*admin, "acme");
    secrets.push_back(key.value);
    auto mgmt = CreateKey(*admin, "acme", {{"permission_set", "full_access"}});
    secrets.push_back(mgmt.value);
    Validate(*admin, key.value);
    // Secrets where a careless server might log them: the query string, the path, a bad token.
    admin->Get("/v1/orgs/acme/api-keys?value=" + key.value);
    admin->Get("/v1/" + key.value);
    Client(server.Url(), key.value + "x").Get("/v1/orgs");
    Client(server.Url(), mgmt.value).Send("GET", "/v1/orgs/acme/api-keys", "", {"X-Request-Id: " + request_id});
    admin->Delete("/v1/orgs/acme/api-keys/" + key.id);
    // A leak report carries full secrets in its body: neither they nor their hashes are logged.
    auto leaked = CreateKey(*admin, "acme");
    secrets.push_back(leaked.value);
    json report = json::array();
    report.push_back({{"token", leaked.value}, {"type", "t"}, {"url", "https://example.com/x"}, {"source", "s"}});
    report.push_back({{"token", leaked.value + "x"}, {"type", "t"}, {"url", "https://example.com/y"}, {"source", "s"}});
    REQUIRE(admin->Post("/v1/leaks", report).status == 200);
    REQUIRE(server.Stop() == 0);
    for (const auto& s : secrets) REQUIRE(Sha256Hex(s).size() == 64);

    std::string log = server.Log();
    for (const auto& s : secrets) {
      CHECK(log.find(s) == std::string::npos);
      CHECK(log.find(Sha256Hex(s)) == std::string::npos);
    }
    std::istringstream lines(log);
    std::string line;
    int access = 0;
    bool saw_validation = false, saw_key_actor = false, saw_unmatched = false;
    while (std::getline(lines, line)) {
      INFO(line);
      auto j = json::parse(line, nullptr, false);
      REQUIRE(!j.is_discarded());
      REQUIRE(j.is_object());
      CHECK(j.contains("ts"));
      CHECK(j.contains("level"));
      if (j.value("logger", "") != "access") continue;
      ++access;
      for (const char* field : {"request_id", "method", "route", "status", "latency_ms", "actor"})
        CHECK(j.contains(field));
      CHECK(j["status"].is_number_integer());
      CHECK(j["latency_ms"].is_number());
      if (j["route"] == "POST /v1/validations")  // at debug level, as probes are
        saw_validation = j["status"] == 200 && j["actor"] == "admin" && j["level"] == "debug";
      if (j["request_id"] == request_id) saw_key_actor = j["actor"] == "api_key" && j["actor_id"] == mgmt.id;
      if (j["status"] == 404 && j["route"] == "unmatched") saw_unmatched = true;
    }
    CHECK(access >= 9);
    CHECK(saw_validation);
    CHECK(saw_key_actor);
    CHECK(saw_unmatched);
  }
}

TEST_CASE("--log-level filters access lines; a bad --log-format is refused", "[e2e][logs]") {
  {
    Server server({"--log-level", "warn"});
    server.Admin()->Get("/v1/orgs");
    REQUIRE(server.Stop() == 0);
    CHECK(server.Log().find("request_id") == std::string::npos);
  }
  {
    Server server;  // info: the org listing is logged, the probe and the validation are not
    auto admin = server.Admin();
    CreateOrg(*admin, "acme");
    Validate(*admin, CreateKey(*admin, "acme").value);
    admin->Get("/healthz");
    REQUIRE(server.Stop() == 0);
    std::string log = server.Log();
    CHECK(log.find("route=\"POST /v1/orgs\"") != std::string::npos);
    CHECK(log.find("route=\"POST /v1/validations\"") == std::string::npos);
    CHECK(log.find("route=\"GET /healthz\"") == std::string::npos);
  }
  auto [code, out] = RunCli("serve --log-format yaml --listen 127.0.0.1:1");
  CHECK(code != 0);
  CHECK(out.find("log-format") != std::string::npos);
}

TEST_CASE("access lines reach stderr while the server runs, whole, however many come at once", "[e2e][logs]") {
  Server server({"--log-format", "json"});
  auto admin = server.Admin();
  CreateOrg(*admin, "acme");
  // Written in batches by the sink's own thread: they arrive without a stop or a flush.
  CHECK(WaitFor([&] { return server.Log().find("\"route\":\"POST /v1/orgs\"") != std::string::npos; }));
  // Many lines at once, from several threads: each still a line of its own (batches are cut at
  // line ends), none lost.
  constexpr int kPerThread = 300;
  std::vector<std::thread> clients;
  for (int t = 0; t < 4; ++t)
    clients.emplace_back([&, t] {
      Client c(server.Url(), Server::kAdminToken);
      for (int i = 0; i < kPerThread; ++i)
        c.Send("GET", "/v1/orgs/acme", "", {"X-Request-Id: burst-" + std::to_string(t) + "-" + std::to_string(i)});
    });
  for (auto& c : clients) c.join();
  auto bursts = [&] {
    int n = 0;
    std::istringstream lines(server.Log());
    std::string line;
    while (std::getline(lines, line)) {
      auto j = json::parse(line, nullptr, false);
      if (j.is_discarded() || !j.is_object()) return -1;  // a torn or merged line
      if (j.value("request_id", "").rfind("burst-", 0) == 0) ++n;
    }
    return n;
  };
  CHECK(WaitFor([&] { return bursts() == 4 * kPerThread; }));
  CHECK(bursts() == 4 * kPerThread);
}
