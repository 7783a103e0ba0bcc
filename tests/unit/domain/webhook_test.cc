// The webhook aggregate (docs/webhooks.md).
#include <catch2/catch.hpp>

#include "domain/crypto.h"
#include "domain/webhook.h"

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

