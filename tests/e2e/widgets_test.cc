// The embedded widget's surface over HTTP (docs/widgets.md): minting, every /_widgets route, the
// tokens it refuses (expired, forged, another key's, alg none, edited, wrong scope, another org's),
// CORS, and the per-token create limit.
#include <catch2/catch.hpp>

#include "tests/e2e/kl_server.h"

using namespace kl::e2e;

namespace {

constexpr const char* kOrigin = "https://app.example.test";

std::string B64UrlDecode(std::string s) {
  for (char& c : s) c = c == '-' ? '+' : c == '_' ? '/' : c;
  while (s.size() % 4) s.push_back('=');
  static const std::string kAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  int val = 0, bits = -8;
  for (char c : s) {
    if (c == '=') break;
    size_t i = kAlphabet.find(c);
    if (i == std::string::npos) return "";
    val = (val << 6) + static_cast<int>(i);
    bits += 6;
    if (bits >= 0) {
      out.push_back(static_cast<char>((val >> bits) & 0xFF));
      bits -= 8;
    }
  }
  return out;
}

std::string B64UrlEncode(const std::string& in) {
  static const char* kAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  std::string out;
  int val = 0, bits = -6;
  for (unsigned char c : in) {
    val = (val << 8) + c;
    bits += 8;
    while (bits >= 0) {
      out.push_back(kAlphabet[(val >> bits) & 0x3F]);
      bits -= 6;
    }
  }
  if (bits > -6) out.push_back(kAlphabet[((val << 8) >> (bits + 8)) & 0x3F]);
  return out;
}

std::vector<std::string> Split(const std::string& token) {
  std::vector<std::string> parts;
  size_t start = 0;
  for (size_t dot; (dot = token.find('.', start)) != std::string::npos; start = dot + 1)
    parts.push_back(token.substr(start, dot - start));
  parts.push_back(token.substr(start));
  return parts;
}

json Claims(const std::string& token) { return json::parse(B64UrlDecode(Split(token).at(1)), nullptr, false); }

std::string Mint(Client& admin, const std::string& org, json body) {
  auto r = admin.Post("/v1/orgs/" + org + "/widget-tokens", body);
  if (r.status != 201) throw std::runtime_error("mint: " + std::to_string(r.status) + " " + r.body);
  return r.Json()["token"];
}

std::unique_ptr<Client> WidgetClient(const Server& server, const std::string& token) {
  return std::make_unique<Client>(server.Url(), token);
}

const std::vector<std::string> kWidgetHeaders = {"WorkOS-Widgets-Version: 1", "WorkOS-Widgets-Type: api-keys"};

}  // namespace

TEST_CASE("widget tokens: minting, claims the browser can decode, and the audit record", "[e2e][widgets]") {
  Server server({"--widget-origin", kOrigin});
  auto admin = server.Admin();
  CreateOrg(*admin, "acme");

  // Through the WorkOS dialect's route, as @workos-inc/node calls it.
  auto r = admin->Post("/widgets/token", {{"organization_id", "acme"}, {"user_id", "user_01ABC"},
                                          {"scopes", {"widgets:api-keys:manage"}}});
  REQUIRE(r.status == 201);
  std::string token = r.Json()["token"];
  auto parts = Split(token);
  REQUIRE(parts.size() == 3);
  json header = json::parse(B64UrlDecode(parts[0]));
  CHECK(header["alg"] == "ES256");
  json claims = Claims(token);
  CHECK(claims["org_id"] == "acme");
  CHECK(claims["sub"] == "user_01ABC");
  CHECK(claims["permissions"] == json::array({"widgets:api-keys:manage"}));
  CHECK(claims["exp"].get<int64_t>() > std::time(nullptr) + 3500);
  CHECK(claims["exp"].get<int64_t>() <= std::time(nullptr) + 3601);
  std::string jti = claims["jti"];

  // The widget decodes the payload with atob: never a '-' or '_' in it, whatever ids are drawn
  // (user ids of every length mod 3; '>', '?' and '~', which encode to them, are refused).
  CHECK(admin->Post("/v1/orgs/acme/widget-tokens", {{"user_id", "a?b"}, {"scopes", {"widgets:api-keys:manage"}}}).status == 400);
  for (int i = 0; i < 40; ++i) {
    std::string t = Mint(*admin, "acme", {{"user_id", "user_" + std::string(static_cast<size_t>(i % 7), 'x') + "+/=" + std::to_string(i)},
                                          {"scopes", {"widgets:api-keys:manage"}}});
    INFO(t);
    CHECK(Split(t).at(1).find_first_of("-_") == std::string::npos);
  }

  // Minting is on the org's stream: who minted it, for whom, which scopes, its id.
  auto feed = admin->Get("/v1/events?org_id=acme&type=WidgetTokenMinted&limit=100");
  REQUIRE(feed.status == 200);
  bool found = false;
  const json minted = feed.Json();
  for (const auto& e : minted["data"])
    if (e["data"]["token_id"] == jti) {
      found = true;
      CHECK(e["actor"]["type"] == "admin");
      CHECK(e["data"]["user_id"] == "user_01ABC");
      CHECK(e["data"]["scopes"] == json::array({"widgets:api-keys:manage"}));
    }
  CHECK(found);
  CHECK(feed.body.find(token) == std::string::npos);

  // Refusals: unknown scope, user scopes without a user, another org's management key.
  CHECK(admin->Post("/v1/orgs/acme/widget-tokens", {{"scopes", {"apikeys:write"}}}).status == 400);
  CHECK(admin->Post("/v1/orgs/acme/widget-tokens", {{"scopes", {"widgets:user-api-keys:manage-self"}}}).status == 400);
  CHECK(admin->Post("/v1/orgs/nope/widget-tokens", {{"scopes", {"widgets:api-keys:manage"}}}).status == 404);
  CreateOrg(*admin, "other");
  auto other_mgmt = CreateKey(*admin, "other", {{"permissions", {"apikeys:write"}}});
  Client other(server.Url(), other_mgmt.value);
  CHECK(other.Post("/widgets/token", {{"organization_id", "acme"}, {"scopes", {"widgets:api-keys:manage"}}}).status == 403);
  CHECK(other.Post("/widgets/token", {{"organization_id", "other"}, {"scopes", {"widgets:api-keys:manage"}}}).status == 201);
  // A widget token is no bearer token for /v1.
  Client as_widget(server.Url(), token);
  CHECK(as_widget.Get("/v1/orgs/acme/api-keys").status == 401);
}

TEST_CASE("widget routes: list, search, paging, permissions, create, expire, revoke", "[e2e][widgets]") {
  Server server({"--widget-origin", kOrigin, "--widget-permission", "reports:read"});
  auto admin = server.Admin();
  CreateOrg(*admin, "acme");
  CreateOrg(*admin, "beta");
  auto a1 = CreateKey(*admin, "acme", {{"name", "alpha one"}, {"permissions", {"posts:write"}}});
  auto a2 = CreateKey(*admin, "acme", {{"name", "Alpha two"}});
  auto a3 = CreateKey(*admin, "acme", {{"name", "gamma"}});
  auto mgmt = CreateKey(*admin, "acme", {{"name", "backend"}, {"permissions", {"apikeys:write"}}});
  auto b1 = CreateKey(*admin, "beta", {{"name", "beta key"}});
  std::string token = Mint(*admin, "acme", {{"user_id", "user_7"}, {"scopes", {"widgets:api-keys:manage"}}});
  std::string jti = Claims(token)["jti"];
  auto w = WidgetClient(server, token);

  auto list = w->Send("GET", "/_widgets/ApiKeys/organization-api-keys", "", kWidgetHeaders);
  REQUIRE(list.status == 200);
  std::vector<std::string> ids;
  const json listed_first = list.Json();  // held: a range-for over a temporary's member dangles
  for (const auto& k : listed_first["data"]) ids.push_back(k["id"]);
  // Newest first; the management key and the other org's key are never shown.
  CHECK(ids == std::vector<std::string>{a3.id, a2.id, a1.id});
  CHECK(list.Json()["data"][2]["obfuscatedValue"].is_string());
  CHECK(list.Json()["data"][2]["permissions"] == json::array({"posts:write"}));
  CHECK(list.Json()["list_metadata"] == json::object());

  auto search = w->Get("/_widgets/ApiKeys/organization-api-keys?search=ALPHA&limit=1");
  REQUIRE(search.status == 200);
  REQUIRE(search.Json()["data"].size() == 1);
  CHECK(search.Json()["data"][0]["id"] == a2.id);
  CHECK(search.Json()["list_metadata"]["after"] == a2.id);
  auto next = w->Get("/_widgets/ApiKeys/organization-api-keys?search=alpha&limit=1&after=" + a2.id);
  REQUIRE(next.Json()["data"].size() == 1);
  CHECK(next.Json()["data"][0]["id"] == a1.id);
  CHECK(next.Json()["list_metadata"]["before"] == a1.id);
  CHECK_FALSE(next.Json()["list_metadata"].contains("after"));
  auto back = w->Get("/_widgets/ApiKeys/organization-api-keys?search=alpha&limit=1&before=" + a1.id);
  REQUIRE(back.Json()["data"].size() == 1);
  CHECK(back.Json()["data"][0]["id"] == a2.id);

  auto perms = w->Get("/_widgets/ApiKeys/permissions?limit=100");
  REQUIRE(perms.status == 200);
  std::vector<std::string> slugs;
  const json offered = perms.Json();
  for (const auto& p : offered["data"]) slugs.push_back(p["slug"]);
  CHECK(slugs == std::vector<std::string>{"posts:write", "reports:read"});

  // Create: the secret once, then it validates; a permission the org does not offer is refused.
  CHECK(w->Post("/_widgets/ApiKeys/organization-api-keys", {{"name", "x"}, {"permissions", {"apikeys:write"}}}).status == 400);
  auto created = w->Post("/_widgets/ApiKeys/organization-api-keys",
                         {{"name", "from widget"}, {"permissions", {"reports:read"}}, {"expiresAt", nullptr}});
  REQUIRE(created.status == 201);
  std::string key_id = created.Json()["id"];
  std::string value = created.Json()["value"];
  CHECK(created.Json()["permissions"] == json::array({"reports:read"}));
  CHECK(Validate(*admin, value)["code"] == "VALID");
  auto listed = w->Get("/_widgets/ApiKeys/organization-api-keys");
  CHECK(listed.Json()["data"][0]["id"] == key_id);
  CHECK_FALSE(listed.Json()["data"][0].contains("value"));

  // Change of expiry, and back to never.
  auto expire = w->Post("/_widgets/ApiKeys/" + key_id + "/expire", {{"expiresAt", "2099-01-01T00:00:00.000Z"}});
  REQUIRE(expire.status == 200);
  CHECK(expire.Json()["expiresAt"] == "2099-01-01T00:00:00.000Z");
  CHECK(w->Post("/_widgets/ApiKeys/" + key_id + "/expire", {{"expiresAt", nullptr}}).Json()["expiresAt"].is_null());
  CHECK(w->Post("/_widgets/ApiKeys/" + key_id + "/expire", {{"expiresAt", "soon"}}).status == 400);

  // Another org's key, the management key and an unknown id are all 404, never touched.
  CHECK(w->Delete("/_widgets/ApiKeys/" + b1.id).status == 404);
  CHECK(w->Delete("/_widgets/ApiKeys/" + mgmt.id).status == 404);
  CHECK(w->Post("/_widgets/ApiKeys/" + b1.id + "/expire", {{"expiresAt", nullptr}}).status == 404);
  CHECK(Validate(*admin, b1.value)["code"] == "VALID");

  // Revoke answers JSON (the widget parses every answer), and the key is REVOKED.
  auto revoked = w->Delete("/_widgets/ApiKeys/" + key_id);
  REQUIRE(revoked.status == 200);
  CHECK(revoked.Json() == json{{"success", true}});
  CHECK(Validate(*admin, value)["code"] == "REVOKED");
  CHECK(w->Delete("/_widgets/ApiKeys/" + key_id).status == 404);

  // The key's history names the widget's user and the token.
  auto history = admin->Get("/v1/orgs/acme/api-keys/" + key_id + "/events");
  REQUIRE(history.status == 200);
  auto events = history.Json()["data"];
  REQUIRE(events.size() >= 3);
  for (const auto& e : events) {
    CHECK(e["actor"]["type"] == "widget");
    CHECK(e["actor"]["id"] == "user_7:" + jti);
  }
}

TEST_CASE("widget routes: user keys are the token's user's own", "[e2e][widgets]") {
  Server server({"--widget-permission", "reports:read"});
  auto admin = server.Admin();
  CreateOrg(*admin, "acme");
  auto org_key = CreateKey(*admin, "acme", {{"name", "org key"}});
  std::string self = Mint(*admin, "acme", {{"user_id", "u1"}, {"scopes", {"widgets:user-api-keys:manage-self"}}});
  std::string other = Mint(*admin, "acme", {{"user_id", "u2"}, {"scopes", {"widgets:user-api-keys:manage-self"}}});
  auto w1 = WidgetClient(server, self);
  auto w2 = WidgetClient(server, other);
  auto created = w1->Post("/_widgets/UserApiKeys/api-keys", {{"name", "mine"}, {"permissions", json::array()}});
  REQUIRE(created.status == 201);
  std::string id = created.Json()["id"];
  auto mine = w1->Get("/_widgets/UserApiKeys/api-keys");
  REQUIRE(mine.Json()["data"].size() == 1);
  CHECK(mine.Json()["data"][0]["owner"]["id"] == "u1");
  CHECK(w2->Get("/_widgets/UserApiKeys/api-keys").Json()["data"].empty());
  CHECK(w2->Delete("/_widgets/UserApiKeys/" + id).status == 404);
  CHECK(w1->Delete("/_widgets/UserApiKeys/" + org_key.id).status == 404);
  // The organization's widget needs its own scope.
  CHECK(w1->Get("/_widgets/ApiKeys/organization-api-keys").status == 403);
  CHECK(w1->Delete("/_widgets/UserApiKeys/" + id).status == 200);
}

TEST_CASE("widget routes refuse expired, forged, foreign and mis-scoped tokens", "[e2e][widgets]") {
  Server server({"--widget-token-ttl-s", "2"});
  auto admin = server.Admin();
  CreateOrg(*admin, "acme");
  CreateOrg(*admin, "beta");
  auto b1 = CreateKey(*admin, "beta", {{"name", "beta key"}});
  std::string token = Mint(*admin, "acme", {{"scopes", {"widgets:api-keys:manage"}}});
  const std::string list = "/_widgets/ApiKeys/organization-api-keys";
  REQUIRE(WidgetClient(server, token)->Get(list).status == 200);
  auto parts = Split(token);

  // No token, garbage, alg none, and a payload edited after signing: 401.
  CHECK(Client(server.Url()).Get(list).status == 401);
  CHECK(WidgetClient(server, "not.a.token")->Get(list).status == 401);
  std::string none_header = B64UrlEncode(R"({"alg":"none","typ":"JWT"})");
  CHECK(WidgetClient(server, none_header + "." + parts[1] + ".")->Get(list).status == 401);
  json edited = Claims(token);
  edited["org_id"] = "beta";
  std::string forged = parts[0] + "." + B64UrlEncode(edited.dump()) + "." + parts[2];
  CHECK(WidgetClient(server, forged)->Get(list).status == 401);
  CHECK(WidgetClient(server, forged)->Delete("/_widgets/ApiKeys/" + b1.id).status == 401);
  // HS256 keyed with anything: not ES256, refused before any key is tried.
  std::string hs_header = B64UrlEncode(R"({"alg":"HS256","typ":"JWT"})");
  CHECK(WidgetClient(server, hs_header + "." + parts[1] + "." + parts[2])->Get(list).status == 401);

  // A token signed by another server's widget key.
  {
    Server elsewhere;
    auto other_admin = elsewhere.Admin();
    CreateOrg(*other_admin, "acme");
    std::string foreign = Mint(*other_admin, "acme", {{"scopes", {"widgets:api-keys:manage"}}});
    CHECK(WidgetClient(server, foreign)->Get(list).status == 401);
  }

  // A token without the family's scope: 403, so the widget refetches its token.
  std::string user_scoped = Mint(*admin, "acme", {{"user_id", "u"}, {"scopes", {"widgets:user-api-keys:manage-self"}}});
  CHECK(WidgetClient(server, user_scoped)->Get(list).status == 403);

  // Expired: 403 (the widget shows "Session expired" once exp has passed).
  auto w = WidgetClient(server, token);
  CHECK(WaitFor([&] { return w->Get(list).status == 403; }, std::chrono::seconds(15)));
  CHECK(w->Get(list).Json()["message"] == "the widget token has expired");
}

TEST_CASE("widget routes: an inactive org gets the widget's error state", "[e2e][widgets]") {
  Server server;
  auto admin = server.Admin();
  CreateOrg(*admin, "acme");
  std::string token = Mint(*admin, "acme", {{"scopes", {"widgets:api-keys:manage"}}});
  REQUIRE(admin->Patch("/v1/orgs/acme", {{"status", "past_due"}}).status == 200);
  auto r = WidgetClient(server, token)->Get("/_widgets/ApiKeys/organization-api-keys");
  CHECK(r.status == 402);
  CHECK(r.Json()["message"].is_string());
  CHECK(admin->Post("/v1/orgs/acme/widget-tokens", {{"scopes", {"widgets:api-keys:manage"}}}).status == 402);
}

TEST_CASE("widget CORS: configured origins only, and only on widget routes", "[e2e][widgets]") {
  Server server({"--widget-origin", kOrigin, "--widget-origin", "http://127.0.0.1:5173"});
  auto admin = server.Admin();
  CreateOrg(*admin, "acme");
  std::string token = Mint(*admin, "acme", {{"scopes", {"widgets:api-keys:manage"}}});
  Client anon(server.Url());
  const std::string list = "/_widgets/ApiKeys/organization-api-keys";
  const std::string asks = "Access-Control-Request-Headers: authorization,content-type,workos-widgets-version,"
                           "workos-widgets-type,x-elevated-access-token";

  auto pre = anon.Send("OPTIONS", list, "", {std::string("Origin: ") + kOrigin, "Access-Control-Request-Method: GET", asks});
  CHECK(pre.status == 200);
  CHECK(pre.Header("access-control-allow-origin") == kOrigin);
  CHECK(pre.Header("access-control-allow-methods").find("DELETE") != std::string::npos);
  CHECK(pre.Header("access-control-allow-headers").find("WorkOS-Widgets-Type") != std::string::npos);
  CHECK(pre.Header("access-control-allow-credentials").empty());
  CHECK(pre.Json().is_object());

  auto refused = anon.Send("OPTIONS", list, "", {"Origin: https://evil.example", "Access-Control-Request-Method: GET", asks});
  CHECK(refused.status == 403);
  CHECK(refused.Header("access-control-allow-origin").empty());
  auto bad_header = anon.Send("OPTIONS", list, "", {std::string("Origin: ") + kOrigin, "Access-Control-Request-Method: GET",
                                                    "Access-Control-Request-Headers: x-custom"});
  CHECK(bad_header.status == 403);
  CHECK(bad_header.Header("access-control-allow-origin").empty());

  auto w = WidgetClient(server, token);
  auto ok = w->Send("GET", list, "", {std::string("Origin: ") + kOrigin});
  CHECK(ok.status == 200);
  CHECK(ok.Header("access-control-allow-origin") == kOrigin);
  auto err = w->Send("DELETE", "/_widgets/ApiKeys/key_missing", "", {std::string("Origin: ") + kOrigin});
  CHECK(err.status == 404);
  CHECK(err.Header("access-control-allow-origin") == kOrigin);  // the widget reads the error too
  auto foreign = w->Send("GET", list, "", {"Origin: https://evil.example"});
  CHECK(foreign.status == 403);
  CHECK(foreign.Header("access-control-allow-origin").empty());

  // /v1 and admin routes: no CORS header at all, preflight or not.
  for (const std::string path : {"/v1/orgs", "/v1/orgs/acme/api-keys", "/v1/admin/backups"}) {
    auto get = admin->Send("GET", path, "", {std::string("Origin: ") + kOrigin});
    auto opt = anon.Send("OPTIONS", path, "", {std::string("Origin: ") + kOrigin, "Access-Control-Request-Method: GET"});
    for (const auto* r : {&get, &opt})
      for (const auto& [name, value] : r->headers) CHECK(name.rfind("access-control-", 0) != 0);
  }

  // No origin configured: every browser call is refused.
  Server closed;
  auto pre_closed = Client(closed.Url()).Send("OPTIONS", list, "", {std::string("Origin: ") + kOrigin,
                                                                    "Access-Control-Request-Method: GET"});
  CHECK(pre_closed.status == 403);
  CHECK(pre_closed.Header("access-control-allow-origin").empty());
}

TEST_CASE("widget creates are limited per token per minute", "[e2e][widgets]") {
  Server server({"--widget-creates-per-minute", "2"});
  auto admin = server.Admin();
  CreateOrg(*admin, "acme");
  std::string t1 = Mint(*admin, "acme", {{"scopes", {"widgets:api-keys:manage"}}});
  std::string t2 = Mint(*admin, "acme", {{"scopes", {"widgets:api-keys:manage"}}});
  auto w1 = WidgetClient(server, t1);
  const std::string create = "/_widgets/ApiKeys/organization-api-keys";
  json body = {{"name", "k"}, {"permissions", json::array()}};
  CHECK(w1->Post(create, body).status == 201);
  CHECK(w1->Post(create, body).status == 201);
  auto third = w1->Post(create, body);
  CHECK(third.status == 429);
  CHECK(third.Json()["message"].is_string());
  CHECK(third.Header("retry-after") == "60");
  // Another token has its own budget.
  CHECK(WidgetClient(server, t2)->Post(create, body).status == 201);
}
