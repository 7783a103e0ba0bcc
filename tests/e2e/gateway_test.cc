// Gateway mode end to end: a real nginx (auth_request) in front of a backend, with keyledger's
// /v1/authz as its auth server, configured as docs/gateways.md shows.
#include <catch2/catch.hpp>

#include <sys/stat.h>

#include <algorithm>
#include <fstream>

#include "tests/e2e/kl_server.h"

using namespace kl::e2e;

namespace {

// nginx with two servers: the gateway (auth_request to keyledger, then the backend) and the
// backend, which answers with the key id the gateway forwarded and logs every request it gets.
class Nginx {
 public:
  Nginx(int keyledger_port, const std::string& gateway_token) {
    dir_ = MakeTempDir("nginx");
    ::chmod(dir_.c_str(), 0755);  // nginx's workers run as another user
    gateway_port_ = FreePort();
    backend_port_ = FreePort();
    std::string conf = ReadFile(std::string(KEYLEDGER_SOURCE_DIR) + "/tests/e2e/nginx_gateway.conf");
    Replace(conf, "@DIR@", dir_);
    Replace(conf, "@GATEWAY_PORT@", std::to_string(gateway_port_));
    Replace(conf, "@BACKEND_PORT@", std::to_string(backend_port_));
    Replace(conf, "@KEYLEDGER_PORT@", std::to_string(keyledger_port));
    Replace(conf, "@GATEWAY_TOKEN@", gateway_token);
    std::ofstream(dir_ + "/nginx.conf") << conf;
    pid_ = ::fork();
    if (pid_ == 0) {
      std::string conf_path = dir_ + "/nginx.conf", err = dir_ + "/error.log";
      ::execlp("nginx", "nginx", "-p", dir_.c_str(), "-c", conf_path.c_str(), "-e", err.c_str(), "-g", "daemon off;",
               static_cast<char*>(nullptr));
      ::_exit(127);
    }
    Client probe(Url());
    if (!WaitFor([&] {
          try {
            probe.Get("/healthz");
            return true;
          } catch (...) {
            return false;
          }
        }))
      throw std::runtime_error("nginx did not start: " + ReadFile(dir_ + "/error.log"));
  }
  ~Nginx() {
    ::kill(pid_, SIGQUIT);
    ::waitpid(pid_, nullptr, 0);
    std::error_code ec;
    fs::remove_all(dir_, ec);
  }
  std::string Url() const { return "http://127.0.0.1:" + std::to_string(gateway_port_); }
  // How many requests reached the backend.
  size_t BackendHits() const {
    std::string log = ReadFile(dir_ + "/backend.log");
    return static_cast<size_t>(std::count(log.begin(), log.end(), '\n'));
  }

 private:
  static void Replace(std::string& s, const std::string& from, const std::string& to) {
    for (size_t at = s.find(from); at != std::string::npos; at = s.find(from, at + to.size())) s.replace(at, from.size(), to);
  }
  std::string dir_;
  int gateway_port_ = 0, backend_port_ = 0;
  pid_t pid_ = -1;
};

int PortOf(const Server& s) { return std::stoi(s.Url().substr(s.Url().rfind(':') + 1)); }

}  // namespace

TEST_CASE("nginx auth_request with keyledger lets valid keys through and nothing else", "[e2e][gateway]") {
  Server server;
  auto admin = server.Admin();
  CreateOrg(*admin, "acme");
  auto gateway_key = CreateKey(*admin, "acme", {{"permission_set", "validator"}});
  auto reader = CreateKey(*admin, "acme", {{"permissions", {"posts:read"}}});
  auto writer = CreateKey(*admin, "acme", {{"permissions", {"posts:write"}}});
  auto limited = CreateKey(*admin, "acme", {{"permissions", {"posts:read"}}, {"ratelimit", {{"limit", 1}, {"window_ms", 60000}}}});
  Nginx nginx(PortOf(server), gateway_key.value);

  // A valid key reaches the backend, which learns the key's id from the gateway.
  Client client(nginx.Url(), reader.value);
  auto ok = client.Get("/posts");
  CHECK(ok.status == 200);
  CHECK(ok.body == "backend saw key " + reader.id + "\n");
  CHECK(nginx.BackendHits() == 1);
  // The same key as X-API-Key.
  Client by_header(nginx.Url());
  CHECK(by_header.Send("GET", "/posts", "", {"X-API-Key: " + reader.value}).status == 200);
  CHECK(nginx.BackendHits() == 2);

  // A bad key, no key, a key without the permission: refused, the backend never sees them.
  CHECK(Client(nginx.Url(), "sk_live_notakey").Get("/posts").status == 401);
  CHECK(Client(nginx.Url()).Get("/posts").status == 401);
  CHECK(Client(nginx.Url(), writer.value).Get("/posts").status == 403);
  // A client that brings its own X-Keyledger-Token (even the admin token) gains nothing.
  CHECK(Client(nginx.Url(), "sk_live_notakey").Send("GET", "/posts", "", {std::string("X-Keyledger-Token: ") + Server::kAdminToken}).status == 401);
  CHECK(Client(nginx.Url(), writer.value).Send("GET", "/posts", "", {std::string("X-Keyledger-Token: ") + Server::kAdminToken}).status == 403);
  CHECK(nginx.BackendHits() == 2);

  // Rate limited: 429 with Retry-After surfaced by the gateway.
  Client limited_client(nginx.Url(), limited.value);
  CHECK(limited_client.Get("/posts").status == 200);
  auto too_many = limited_client.Get("/posts");
  CHECK(too_many.status == 429);
  CHECK_FALSE(too_many.Header("retry-after").empty());
  CHECK(nginx.BackendHits() == 3);

  // A revoked key is refused on its next request.
  REQUIRE(admin->Delete("/v1/orgs/acme/api-keys/" + reader.id).status == 200);
  CHECK(client.Get("/posts").status == 401);
  CHECK(nginx.BackendHits() == 3);

  // The checks were recorded as uses and refusals, as validations are.
  CHECK(WaitFor([&] {
    auto types = Types(KeyEvents(*admin, "acme", writer.id));
    return std::count(types.begin(), types.end(), "KeyUseRejected") >= 1;
  }));
}

TEST_CASE("/v1/authz answers by status and X-Keyledger-Code alone", "[e2e][gateway]") {
  Server server;
  auto admin = server.Admin();
  CreateOrg(*admin, "acme");
  CreateOrg(*admin, "other");
  auto gateway_key = CreateKey(*admin, "acme", {{"permission_set", "validator"}});
  auto key = CreateKey(*admin, "acme", {{"permissions", {"posts:read", "posts:write"}}});
  auto foreign = CreateKey(*admin, "other");
  std::string gw = "X-Keyledger-Token: " + gateway_key.value;
  Client c(server.Url(), key.value);

  auto ok = c.Send("GET", "/v1/authz?permissions=posts:read%20AND%20posts:write", "", {gw});
  CHECK(ok.status == 200);
  CHECK(ok.body.empty());
  CHECK(ok.Header("x-keyledger-code") == "VALID");
  CHECK(ok.Header("x-keyledger-key-id") == key.id);
  CHECK(ok.Header("x-keyledger-org-id") == "acme");
  CHECK(ok.Header("x-keyledger-permissions") == "posts:read,posts:write");
  CHECK(c.Send("DELETE", "/v1/authz?permissions=posts:read,posts:write", "", {gw}).status == 200);

  auto denied = c.Send("GET", "/v1/authz?permissions=admin", "", {gw});
  CHECK(denied.status == 403);
  CHECK(denied.Header("x-keyledger-code") == "INSUFFICIENT_PERMISSIONS");
  auto missing = Client(server.Url()).Send("GET", "/v1/authz", "", {gw});
  CHECK(missing.status == 401);
  CHECK(missing.Header("x-keyledger-code") == "MISSING");
  CHECK(missing.Header("www-authenticate") == "Bearer");
  // Two different keys in one request: refused rather than guessed.
  CHECK(c.Send("GET", "/v1/authz", "", {gw, "X-API-Key: " + foreign.value}).Header("x-keyledger-code") == "MALFORMED");
  // A key-scoped gateway credential sees its own organization's keys only.
  CHECK(Client(server.Url(), foreign.value).Send("GET", "/v1/authz", "", {gw}).Header("x-keyledger-code") == "NOT_FOUND");

  // The gateway's credential: missing, unknown, twice, or without apikeys:validate.
  CHECK(c.Get("/v1/authz").Header("x-keyledger-code") == "GATEWAY_UNAUTHENTICATED");
  CHECK(c.Send("GET", "/v1/authz", "", {"X-Keyledger-Token: nope"}).status == 401);
  CHECK(c.Send("GET", "/v1/authz", "", {gw, std::string("X-Keyledger-Token: ") + Server::kAdminToken}).status == 401);
  auto read_only = CreateKey(*admin, "acme", {{"permission_set", "read_only"}});
  auto forbidden = c.Send("GET", "/v1/authz", "", {"X-Keyledger-Token: " + read_only.value});
  CHECK(forbidden.status == 403);
  CHECK(forbidden.Header("x-keyledger-code") == "GATEWAY_FORBIDDEN");

  // Below /v1/authz/ (as Envoy sends it) the path and query are the client's; the proxy names the
  // permissions in a header.
  std::string need_admin = "X-Keyledger-Required-Permissions: admin";
  CHECK(c.Send("GET", "/v1/authz/posts/42?page=2&anything=1", "", {gw}).status == 200);
  CHECK(c.Send("GET", "/v1/authz/posts/42?page=2", "", {gw, need_admin}).Header("x-keyledger-code") == "INSUFFICIENT_PERMISSIONS");
  CHECK(c.Send("GET", "/v1/authz", "", {gw, need_admin}).status == 403);
  CHECK(c.Send("GET", "/v1/authz?permissions=posts:read", "", {gw, need_admin}).status == 400);

  // A misspelled parameter fails closed, naming it.
  auto typo = c.Send("GET", "/v1/authz?permission=posts:read", "", {gw});
  CHECK(typo.status == 400);
  CHECK(typo.Json()["error"]["details"]["fields"].contains("permission"));
  CHECK(c.Send("GET", "/v1/authz?permissions=a%20OR", "", {gw}).status == 400);  // a query with a syntax error
}
