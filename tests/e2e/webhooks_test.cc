// Webhooks end to end (docs/webhooks.md) against a real receiver on loopback: signed
// deliveries in log order, retries of a failing receiver, a restart (kill -9) mid-stream, and a
// webhook disabled (by failures and by hand) then resumed from its cursor.
#include <catch2/catch.hpp>

#include <atomic>
#include <set>

#include "tests/e2e/kl_server.h"
#include "tests/e2e/webhook_receiver.h"

using namespace kl::e2e;

namespace {

const std::vector<std::string> kInsecure = {"--webhook-allow-insecure", "--webhook-retry-base-ms", "20"};

struct Registered {
  std::string id;
  std::string secret;
};

Registered Register(Client& c, const std::string& org, const std::string& url, json types = json::array({"*"})) {
  auto r = c.Post("/v1/orgs/" + org + "/webhooks", {{"url", url}, {"event_types", types}});
  REQUIRE(r.status == 201);
  auto j = r.Json();
  return {j["webhook"]["id"], j["secret"]};
}

// The org's events after `after_seq` (the webhook's creation), as the feed serves them.
std::vector<json> OrgEvents(Client& admin, const std::string& org, uint64_t after_seq) {
  auto r = admin.Get("/v1/events?limit=1000&org_id=" + org + "&after_seq=" + std::to_string(after_seq));
  REQUIRE(r.status == 200);
  auto j = r.Json();
  return std::vector<json>(j["data"].begin(), j["data"].end());
}

uint64_t HeadSeq(Client& admin) { return admin.Get("/v1/events?limit=1").Json()["head_seq"].get<uint64_t>(); }

std::vector<std::string> Ids(const std::vector<Delivery>& ds) {
  std::vector<std::string> out;
  for (const auto& d : ds) out.push_back(d.event_id);
  return out;
}
std::vector<std::string> Ids(const std::vector<json>& es) {
  std::vector<std::string> out;
  for (const auto& e : es) out.push_back(e["id"]);
  return out;
}

// Distinct event ids in first-arrival order (at least once allows repeats).
std::vector<std::string> Distinct(const std::vector<Delivery>& ds) {
  std::vector<std::string> out;
  std::set<std::string> seen;
  for (const auto& d : ds)
    if (seen.insert(d.event_id).second) out.push_back(d.event_id);
  return out;
}

}  // namespace

TEST_CASE("webhooks: a registered receiver gets every org event, signed, in log order", "[e2e][webhooks]") {
  WebhookReceiver receiver;
  Server server(kInsecure);
  auto admin = server.Admin();
  CreateOrg(*admin, "acme");
  CreateOrg(*admin, "beta");
  uint64_t before = HeadSeq(*admin);
  auto hook = Register(*admin, "acme", receiver.Url());
  CHECK(hook.secret.rfind("whsec_", 0) == 0);
  uint64_t created_seq = HeadSeq(*admin);
  REQUIRE(created_seq == before + 1);

  auto key = CreateKey(*admin, "acme");
  auto other = CreateKey(*admin, "beta");  // another org: never delivered here
  REQUIRE(admin->Patch("/v1/orgs/acme/api-keys/" + key.id, {{"name", "renamed"}}).status == 200);
  REQUIRE(admin->Delete("/v1/orgs/acme/api-keys/" + key.id).status == 200);

  auto expected = OrgEvents(*admin, "acme", created_seq);
  REQUIRE(expected.size() == 3);  // KeyCreated, KeyUpdated, KeyRevoked
  REQUIRE(WaitFor([&] { return receiver.Accepted().size() >= expected.size(); }));
  auto got = receiver.Accepted();
  CHECK(Ids(got) == Ids(expected));
  for (size_t i = 0; i < got.size(); ++i) {
    INFO(got[i].body);
    CHECK(SignatureValid(got[i].signature, hook.secret, got[i].body));
    CHECK_FALSE(SignatureValid(got[i].signature, hook.secret + "x", got[i].body));
    auto body = got[i].Json();
    CHECK(body == expected[i]);  // the event JSON (docs/spec.md, Event JSON), as the feed serves it
    CHECK(body["org_id"] == "acme");
  }
  CHECK(got.back().Json()["type"] == "KeyRevoked");

  // The webhook shows its last delivery; the secret is never shown again.
  auto w = admin->Get("/v1/orgs/acme/webhooks/" + hook.id);
  REQUIRE(w.status == 200);
  CHECK(w.Json()["last_delivery_at"].is_string());
  CHECK(w.Json()["last_error"].is_null());
  CHECK(w.body.find(hook.secret) == std::string::npos);
  auto list = admin->Get("/v1/orgs/acme/webhooks");
  REQUIRE(list.status == 200);
  REQUIRE(list.Json()["data"].size() == 1);
  CHECK(list.body.find(hook.secret) == std::string::npos);
  // Nor is it in the log, the feed or the data directory.
  CHECK(admin->Get("/v1/events?limit=1000").body.find(hook.secret) == std::string::npos);
  CHECK(server.Log().find(hook.secret) == std::string::npos);
}

TEST_CASE("webhooks: event_types filters, and deleting a webhook stops its deliveries", "[e2e][webhooks]") {
  WebhookReceiver receiver;
  Server server(kInsecure);
  auto admin = server.Admin();
  CreateOrg(*admin, "acme");
  auto hook = Register(*admin, "acme", receiver.Url(), {"KeyRevoked"});
  auto a = CreateKey(*admin, "acme");
  auto b = CreateKey(*admin, "acme");
  REQUIRE(admin->Delete("/v1/orgs/acme/api-keys/" + a.id).status == 200);
  REQUIRE(admin->Delete("/v1/orgs/acme/api-keys/" + b.id).status == 200);
  REQUIRE(WaitFor([&] { return receiver.Accepted().size() >= 2; }));
  for (const auto& d : receiver.Accepted()) CHECK(d.Json()["type"] == "KeyRevoked");

  auto del = admin->Delete("/v1/orgs/acme/webhooks/" + hook.id);
  REQUIRE(del.status == 200);
  CHECK(del.Json()["deleted"] == true);
  CHECK(admin->Get("/v1/orgs/acme/webhooks/" + hook.id).status == 404);
  CHECK(admin->Delete("/v1/orgs/acme/webhooks/" + hook.id).status == 404);
  auto types = Types(OrgEvents(*admin, "acme", 0));
  CHECK(std::count(types.begin(), types.end(), "WebhookCreated") == 1);
  CHECK(std::count(types.begin(), types.end(), "WebhookDeleted") == 1);

  // A second receiver registered after the delete sees the next revoke; the deleted one does not.
  WebhookReceiver later;
  Register(*admin, "acme", later.Url(), {"KeyRevoked"});
  auto c = CreateKey(*admin, "acme");
  REQUIRE(admin->Delete("/v1/orgs/acme/api-keys/" + c.id).status == 200);
  REQUIRE(WaitFor([&] { return later.Accepted().size() == 1; }));
  CHECK(receiver.Accepted().size() == 2);
}

TEST_CASE("webhooks: a failing receiver is retried until it recovers, nothing skipped", "[e2e][webhooks]") {
  WebhookReceiver receiver;
  receiver.SetPolicy([](size_t n, const Delivery&) { return n < 4 ? 500 : 200; });
  Server server(kInsecure);
  auto admin = server.Admin();
  CreateOrg(*admin, "acme");
  uint64_t before = HeadSeq(*admin);
  auto hook = Register(*admin, "acme", receiver.Url());
  auto key = CreateKey(*admin, "acme");
  REQUIRE(WaitFor([&] { return receiver.Requests() >= 2; }));
  // While it fails, the webhook says why.
  REQUIRE(WaitFor([&] {
    return admin->Get("/v1/orgs/acme/webhooks/" + hook.id).Json()["last_error"] == "HTTP 500";
  }));
  REQUIRE(admin->Delete("/v1/orgs/acme/api-keys/" + key.id).status == 200);
  auto expected = OrgEvents(*admin, "acme", before + 1);
  REQUIRE(WaitFor([&] { return receiver.Accepted().size() >= expected.size(); }));
  CHECK(Ids(receiver.Accepted()) == Ids(expected));  // the failed one first, then the rest, in order
  CHECK(receiver.Requests() >= expected.size() + 4);
  REQUIRE(WaitFor([&] { return admin->Get("/v1/orgs/acme/webhooks/" + hook.id).Json()["last_error"].is_null(); }));
}

TEST_CASE("webhooks: kill -9 mid-stream resumes from the durable cursor", "[e2e][webhooks]") {
  WebhookReceiver receiver;
  // A slow receiver, so the kill lands with deliveries still pending.
  receiver.SetPolicy([](size_t, const Delivery&) {
    std::this_thread::sleep_for(std::chrono::milliseconds(30));
    return 200;
  });
  std::string data = MakeTempDir("webhook-restart");
  std::vector<std::string> expected;
  Registered hook;
  uint64_t created_seq = 0;
  {
    Server server(kInsecure, data);
    auto admin = server.Admin();
    CreateOrg(*admin, "acme");
    hook = Register(*admin, "acme", receiver.Url());
    created_seq = HeadSeq(*admin);
    for (int i = 0; i < 20; ++i) CreateKey(*admin, "acme");
    REQUIRE(WaitFor([&] { return receiver.Accepted().size() >= 3; }));
    server.Kill9();  // somewhere in the middle of the stream
  }
  receiver.SetPolicy([](size_t, const Delivery&) { return 200; });
  {
    Server server(kInsecure, data);
    auto admin = server.Admin();
    for (int i = 0; i < 5; ++i) CreateKey(*admin, "acme");
    expected = Ids(OrgEvents(*admin, "acme", created_seq));
    REQUIRE(expected.size() == 25);
    REQUIRE(WaitFor([&] { return Distinct(receiver.Accepted()).size() >= expected.size(); }));
    auto got = receiver.Accepted();
    CHECK(Distinct(got) == expected);  // none skipped, in log order; a repeat is allowed
    for (const auto& d : got) CHECK(SignatureValid(d.signature, hook.secret, d.body));
    REQUIRE(server.Stop() == 0);
  }
  auto [rc, out] = RunCli("verify --data-dir " + data);
  INFO(out);
  CHECK(rc == 0);
  std::error_code ec;
  std::filesystem::remove_all(data, ec);
}

TEST_CASE("webhooks: failing past the limit disables the webhook; re-enabling resumes from its cursor",
          "[e2e][webhooks]") {
  WebhookReceiver receiver;
  receiver.SetPolicy([](size_t, const Delivery&) { return 503; });
  Server server({"--webhook-allow-insecure", "--webhook-retry-base-ms", "20", "--webhook-disable-after-ms", "300"});
  auto admin = server.Admin();
  CreateOrg(*admin, "acme");
  uint64_t before = HeadSeq(*admin);
  auto hook = Register(*admin, "acme", receiver.Url());
  auto key = CreateKey(*admin, "acme");
  REQUIRE(WaitFor([&] { return admin->Get("/v1/orgs/acme/webhooks/" + hook.id).Json()["status"] == "disabled"; }));
  auto w = admin->Get("/v1/orgs/acme/webhooks/" + hook.id).Json();
  CHECK(w["last_error"] == "HTTP 503");
  // Disabling is an audited event by the system.
  auto events = OrgEvents(*admin, "acme", before);
  auto disabled = std::find_if(events.begin(), events.end(), [](const json& e) { return e["type"] == "WebhookDisabled"; });
  REQUIRE(disabled != events.end());
  CHECK((*disabled)["actor"]["type"] == "system");
  CHECK((*disabled)["data"]["webhook_id"] == hook.id);

  // While disabled, nothing is attempted; events keep accumulating behind the cursor.
  REQUIRE(admin->Delete("/v1/orgs/acme/api-keys/" + key.id).status == 200);
  receiver.SetPolicy([](size_t, const Delivery&) { return 200; });
  auto enabled = admin->Patch("/v1/orgs/acme/webhooks/" + hook.id, {{"status", "active"}});
  REQUIRE(enabled.status == 200);
  CHECK(enabled.Json()["status"] == "active");
  auto expected = OrgEvents(*admin, "acme", before + 1);  // KeyCreated, WebhookDisabled, KeyRevoked, WebhookEnabled
  REQUIRE(WaitFor([&] { return receiver.Accepted().size() >= expected.size(); }));
  CHECK(Ids(receiver.Accepted()) == Ids(expected));
}

TEST_CASE("webhooks: disabled by hand, nothing is sent; enabled again, it catches up", "[e2e][webhooks]") {
  WebhookReceiver receiver;
  Server server(kInsecure);
  auto admin = server.Admin();
  CreateOrg(*admin, "acme");
  auto hook = Register(*admin, "acme", receiver.Url(), {"KeyCreated"});
  auto off = admin->Patch("/v1/orgs/acme/webhooks/" + hook.id, {{"status", "disabled"}});
  REQUIRE(off.status == 200);
  CHECK(off.Json()["status"] == "disabled");
  for (int i = 0; i < 3; ++i) CreateKey(*admin, "acme");
  // Same status again appends nothing.
  uint64_t head = HeadSeq(*admin);
  REQUIRE(admin->Patch("/v1/orgs/acme/webhooks/" + hook.id, {{"status", "disabled"}}).status == 200);
  CHECK(HeadSeq(*admin) == head);
  CHECK(receiver.Requests() == 0);
  REQUIRE(admin->Patch("/v1/orgs/acme/webhooks/" + hook.id, {{"status", "active"}}).status == 200);
  REQUIRE(WaitFor([&] { return receiver.Accepted().size() == 3; }));
  for (const auto& d : receiver.Accepted()) CHECK(d.Json()["type"] == "KeyCreated");
}

TEST_CASE("webhooks: a stalled receiver delays neither the API nor other webhooks", "[e2e][webhooks]") {
  std::atomic<bool> release{false};  // outlives the receivers, whose threads read it
  WebhookReceiver stalled, healthy;
  // Holds every delivery until the test ends (keyledger gives up on each after its 10 s timeout).
  stalled.SetPolicy([&](size_t, const Delivery&) {
    WaitFor([&] { return release.load(); }, std::chrono::seconds(12));
    return 200;
  });
  Server server(kInsecure);
  auto admin = server.Admin();
  CreateOrg(*admin, "acme");
  Register(*admin, "acme", stalled.Url(), {"KeyCreated"});
  Register(*admin, "acme", healthy.Url(), {"KeyCreated"});
  for (int i = 0; i < 5; ++i) CreateKey(*admin, "acme");  // answered while the first delivery hangs
  REQUIRE(WaitFor([&] { return healthy.Accepted().size() == 5; }));
  CHECK(stalled.Accepted().empty());  // still stuck on its first event
  CHECK(stalled.Requests() == 1);
  release = true;
}

TEST_CASE("webhooks: bad input is a 400 naming the field; keys need apikeys:write on their org", "[e2e][webhooks]") {
  Server secure;  // without --webhook-allow-insecure
  auto admin = secure.Admin();
  CreateOrg(*admin, "acme");
  CreateOrg(*admin, "beta");
  auto field_error = [&](const json& body, const std::string& field) {
    auto r = admin->Post("/v1/orgs/acme/webhooks", body);
    INFO(body.dump() << " -> " << r.body);
    CHECK(r.status == 400);
    CHECK(r.Json()["error"]["details"]["fields"].contains(field));
  };
  field_error({{"url", "http://127.0.0.1:9/hook"}, {"event_types", {"*"}}}, "url");  // http without the flag
  field_error({{"url", "https://127.0.0.1/hook"}, {"event_types", {"*"}}}, "url");   // loopback
  field_error({{"url", "https://10.1.2.3/hook"}, {"event_types", {"*"}}}, "url");    // private
  field_error({{"url", "https://[::1]/hook"}, {"event_types", {"*"}}}, "url");
  field_error({{"url", "https://localhost/hook"}, {"event_types", {"*"}}}, "url");
  field_error({{"url", "ftp://siem.example/hook"}, {"event_types", {"*"}}}, "url");
  field_error({{"url", "https://user:pw@siem.example/hook"}, {"event_types", {"*"}}}, "url");
  field_error({{"url", "not a url"}, {"event_types", {"*"}}}, "url");
  field_error({{"url", 42}, {"event_types", {"*"}}}, "url");
  field_error({{"event_types", {"*"}}}, "url");
  field_error({{"url", "https://siem.example/hook"}, {"event_types", {"KeyMelted"}}}, "event_types");
  field_error({{"url", "https://siem.example/hook"}, {"event_types", "KeyRevoked"}}, "event_types");
  field_error({{"url", "https://siem.example/hook"}, {"event_types", json::array()}}, "event_types");
  field_error({{"url", "https://siem.example/hook"}, {"event_types", {"*", "KeyRevoked"}}}, "event_types");
  field_error({{"url", "https://siem.example/hook"}}, "event_types");
  CHECK(admin->Post("/v1/orgs/acme/webhooks", json::array()).status == 400);
  CHECK(admin->Post("/v1/orgs/nope/webhooks", {{"url", "https://siem.example/h"}, {"event_types", {"*"}}}).status == 404);

  auto ok = admin->Post("/v1/orgs/acme/webhooks", {{"url", "https://siem.example/hook"}, {"event_types", {"KeyRevoked"}}});
  REQUIRE(ok.status == 201);
  CHECK(ok.Header("location") == "/v1/orgs/acme/webhooks/" + ok.Json()["webhook"]["id"].get<std::string>());
  std::string id = ok.Json()["webhook"]["id"];
  auto bad_status = admin->Patch("/v1/orgs/acme/webhooks/" + id, {{"status", "paused"}});
  CHECK(bad_status.status == 400);
  CHECK(bad_status.Json()["error"]["details"]["fields"].contains("status"));
  auto bad_field = admin->Patch("/v1/orgs/acme/webhooks/" + id, {{"url", "https://other.example/"}});
  CHECK(bad_field.status == 400);
  CHECK(bad_field.Json()["error"]["details"]["fields"].contains("url"));
  CHECK(admin->Patch("/v1/orgs/acme/webhooks/whk_nope", {{"status", "active"}}).status == 404);
  CHECK(admin->Get("/v1/orgs/beta/webhooks/" + id).status == 404);  // another org's id

  // Keys: full_access of the org may manage them; read_only may read; another org's key may not.
  Client full(secure.Url(), CreateKey(*admin, "acme", {{"permission_set", "full_access"}}).value);
  Client read_only(secure.Url(), CreateKey(*admin, "acme", {{"permission_set", "read_only"}}).value);
  Client other(secure.Url(), CreateKey(*admin, "beta", {{"permission_set", "full_access"}}).value);
  json good = {{"url", "https://siem.example/2"}, {"event_types", {"*"}}};
  CHECK(full.Post("/v1/orgs/acme/webhooks", good).status == 201);
  CHECK(read_only.Post("/v1/orgs/acme/webhooks", good).status == 403);
  CHECK(read_only.Get("/v1/orgs/acme/webhooks").status == 200);
  CHECK(other.Get("/v1/orgs/acme/webhooks").status == 403);
  CHECK(other.Post("/v1/orgs/acme/webhooks", good).status == 403);
  CHECK(Client(secure.Url()).Get("/v1/orgs/acme/webhooks").status == 401);
}
