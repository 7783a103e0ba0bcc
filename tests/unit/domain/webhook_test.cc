// The webhook aggregate, its URL policy and its signing secrets (docs/webhooks.md).
#include <catch2/catch.hpp>

#include "domain/crypto.h"
#include "domain/webhook.h"
#include "domain/webhook_secret.h"
#include "domain/webhook_url.h"

using namespace kl;

namespace {

OrgState Org() { return OrgState{"acme", "Acme", "active", 1, 1, 4}; }
CommandContext Ctx() { return CommandContext{1795356360123, Actor{"admin", "admin"}, "req-1"}; }
const std::string kId = "whk_01JDXK7Z8Q6N2V3W4X5Y6Z7A8G";

Event Sealed(Event e, uint64_t seq) {
  e.seq = seq;
  e.recorded_at = 1795356360123 + static_cast<Millis>(seq);
  return e;
}

}  // namespace

TEST_CASE("webhook URLs: https anywhere public; http and private addresses only in insecure mode") {
  CHECK(CheckWebhookUrl("https://siem.example/hook", false).empty());
  CHECK(CheckWebhookUrl("HTTPS://siem.example:8443/a/b?c=d", false).empty());
  CHECK(CheckWebhookUrl("https://203.0.114.7/hook", false).empty());
  CHECK(CheckWebhookUrl("https://[2606:4700::1111]/hook", false).empty());
  for (const char* bad : {"http://siem.example/hook", "https://127.0.0.1/", "https://localhost/",
                          "https://10.0.0.1/", "https://192.168.1.1/", "https://172.16.0.1/", "https://169.254.169.254/",
                          "https://[::1]/", "https://[fe80::1]/", "https://[fd00::1]/", "https://0.0.0.0/",
                          "https://100.64.0.1/", "https://[::ffff:127.0.0.1]/"}) {
    INFO(bad);
    CHECK_FALSE(CheckWebhookUrl(bad, false).empty());
  }
  CHECK(CheckWebhookUrl("http://127.0.0.1:9000/hook", true).empty());
  CHECK(CheckWebhookUrl("http://10.1.2.3/hook", true).empty());
  CHECK(CheckWebhookUrl("http://localhost:1/", true).empty());
  CHECK_FALSE(CheckWebhookUrl("http://siem.example/hook", true).empty());  // public needs https even so
  CHECK(CheckWebhookUrl("https://127.0.0.1/", true).empty());
  for (const char* malformed : {"", "siem.example/hook", "ftp://siem.example/", "https://", "https:///x",
                                "https://user:pw@siem.example/", "https://siem.example/#frag", "https://a b/",
                                "https://siem.example:0/", "https://siem.example:70000/", "https://siem.example:/",
                                "https://[::1/", "https://[zz]/", "https://-bad.example/", "https://a..b/",
                                "https://siem.example\r\n/x", "https://siem.example\\@evil/", "https://127.1/",
                                "https://2130706433/", "https://0x7f.0.0.1/", "https://0x7f000001/", "https://10.1/"}) {
    INFO(malformed);
    CHECK_FALSE(ParseWebhookUrl(malformed).has_value());
    CHECK_FALSE(CheckWebhookUrl(malformed, true).empty());
  }
  CHECK_FALSE(CheckWebhookUrl("https://" + std::string(2100, 'a') + ".example/", false).empty());
  auto u = ParseWebhookUrl("https://[2001:db8::1]:8443/x");
  REQUIRE(u);
  CHECK(u->host == "2001:db8::1");
  CHECK(u->port == 8443);
}

TEST_CASE("IsPublicAddress: reserved ranges are not public") {
  CHECK(IsPublicAddress(*ParseIp("8.8.8.8")));
  CHECK(IsPublicAddress(*ParseIp("2606:4700::1111")));
  for (const char* ip : {"127.0.0.1", "10.9.8.7", "172.31.255.255", "192.168.0.1", "169.254.169.254", "0.0.0.0",
                         "224.0.0.1", "255.255.255.255", "::1", "::", "fc00::1", "fe80::1", "ff02::1",
                         "::ffff:10.0.0.1", "100.100.100.100"}) {
    INFO(ip);
    CHECK_FALSE(IsPublicAddress(*ParseIp(ip)));
  }
}

TEST_CASE("webhooks: create, disable, enable and delete fold to the state the read model shows") {
  CreateWebhookInput in{std::string("https://siem.example/hook"), std::vector<std::string>{"KeyRevoked"},
                        std::string("SIEM")};
  auto created = DecideCreateWebhook(Org(), 0, in, {}, false, kId, std::string(64, 'a'), Ctx());
  REQUIRE(created.ok());
  REQUIRE(created->size() == 1);
  const Event& c = created->front();
  CHECK(c.org_id == "acme");
  CHECK_FALSE(c.key_id.has_value());
  CHECK(c.stream_version == 5);  // on the org stream
  std::optional<WebhookState> w;
  EvolveWebhook(w, Sealed(c, 10));
  REQUIRE(w);
  CHECK(w->id == kId);
  CHECK(w->status == "active");
  CHECK(w->created_seq == 10);
  CHECK(w->Wants("KeyRevoked"));
  CHECK_FALSE(w->Wants("KeyCreated"));

  auto off = DecideSetWebhookStatus(Org(), *w, std::string("disabled"), {}, "by hand", Ctx());
  REQUIRE(off.ok());
  REQUIRE(off->size() == 1);
  EvolveWebhook(w, Sealed(off->front(), 11));
  CHECK(w->status == "disabled");
  CHECK(w->disabled_reason == "by hand");
  auto same = DecideSetWebhookStatus(Org(), *w, std::string("disabled"), {}, "again", Ctx());
  REQUIRE(same.ok());
  CHECK(same->empty());  // unchanged: nothing appended
  auto on = DecideSetWebhookStatus(Org(), *w, std::string("active"), {}, "", Ctx());
  REQUIRE(on.ok());
  CHECK(std::holds_alternative<WebhookEnabled>(on->front().data));
  EvolveWebhook(w, Sealed(on->front(), 12));
  CHECK(w->status == "active");
  CHECK_FALSE(w->disabled_reason.has_value());

  // Another webhook's events leave this one alone.
  Event other = Sealed(off->front(), 13);
  std::get<WebhookDisabled>(other.data).webhook_id = "whk_other";
  EvolveWebhook(w, other);
  CHECK(w->status == "active");

  auto gone = DecideDeleteWebhook(Org(), *w, Ctx());
  REQUIRE(gone.ok());
  EvolveWebhook(w, Sealed(gone->front(), 14));
  CHECK_FALSE(w.has_value());
}

TEST_CASE("webhooks: invalid input names each field; an org holds a bounded number") {
  auto errors = [](CreateWebhookInput in, bool insecure = false) {
    auto r = DecideCreateWebhook(Org(), 0, in, {}, insecure, kId, "", Ctx());
    REQUIRE_FALSE(r.ok());
    return r.status().fields();
  };
  auto f = errors({std::nullopt, std::nullopt, std::nullopt});
  CHECK(f.count("url"));
  CHECK(f.count("event_types"));
  f = errors({std::string("http://127.0.0.1/"), std::vector<std::string>{"*", "KeyRevoked"}, std::string(501, 'x')});
  CHECK(f.count("url"));
  CHECK(f.count("event_types"));
  CHECK(f.count("description"));
  f = errors({std::string("https://a.example/"), std::vector<std::string>{"KeyRevoked", "KeyRevoked"}, std::nullopt});
  CHECK(f.count("event_types"));
  f = errors({std::string("https://a.example/"), std::vector<std::string>{}, std::nullopt});
  CHECK(f.count("event_types"));
  CHECK(errors({std::string("https://a.example/"), std::vector<std::string>{"Nope"}, std::nullopt}).count("event_types"));

  CreateWebhookInput ok{std::string("https://a.example/"), std::vector<std::string>{"*"}, std::nullopt};
  auto full = DecideCreateWebhook(Org(), kMaxWebhooksPerOrg, ok, {}, false, kId, "", Ctx());
  REQUIRE_FALSE(full.ok());
  CHECK(full.status().code() == Code::kConflict);
  auto r = DecideSetWebhookStatus(Org(), WebhookState{}, std::string("paused"), {}, "", Ctx());
  REQUIRE_FALSE(r.ok());
  CHECK(r.status().fields().count("status"));
}

TEST_CASE("webhook secrets derive from the master and the id; signatures follow docs/webhooks.md") {
  std::array<uint8_t, 32> master{};
  master[0] = 1;
  WebhookSecrets secrets(master);
  std::string a = secrets.SecretFor(kId);
  CHECK(a.rfind("whsec_", 0) == 0);
  CHECK(a.size() == 6 + 43);
  CHECK(a == secrets.SecretFor(kId));
  CHECK(a != secrets.SecretFor("whk_01JDXK7Z8Q6N2V3W4X5Y6Z7A8H"));
  std::array<uint8_t, 32> other{};
  CHECK(a != WebhookSecrets(other).SecretFor(kId));

  // RFC 4231 test case 2: HMAC-SHA256("Jefe", "what do ya want for nothing?").
  CHECK(ToHex(HmacSha256("Jefe", "what do ya want for nothing?")) ==
        "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
  // The header signs "<t>.<body>".
  CHECK(WebhookSignatureHeader("Jefe", 1700000000, "{}") ==
        "t=1700000000,v1=" + ToHex(HmacSha256("Jefe", "1700000000.{}")));
}
