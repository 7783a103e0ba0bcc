#include <catch2/catch.hpp>

#include "domain/role.h"

using namespace kl;

namespace {

CommandContext Ctx() { return CommandContext{1'800'000'000'000, Actor{"admin", "admin"}, "req"}; }

// Appends `events` to the org/key state the way the projector folds them, stamping a time.
struct World {
  std::optional<OrgState> org;
  std::optional<KeyState> key;
  uint64_t seq = 0;
  void Apply(std::vector<Event> events, Millis at) {
    for (auto& e : events) {
      e.seq = ++seq;
      e.recorded_at = at;
      if (e.key_id) EvolveKey(key, e);
      else EvolveOrg(org, e);
    }
  }
};

World Started() {
  World w;
  Event created;
  created.org_id = "acme";
  created.stream_version = 1;
  created.data = OrgCreated{"Acme", "active"};
  w.Apply({created}, 1000);
  return w;
}

Event KeyWith(std::vector<std::string> permissions, std::vector<std::string> roles) {
  Event e;
  e.org_id = "acme";
  e.key_id = "key_1";
  e.stream_version = 1;
  KeyCreated c;
  c.name = "ci";
  c.permissions = std::move(permissions);
  c.roles = std::move(roles);
  e.data = c;
  return e;
}

}  // namespace

TEST_CASE("a key's effective permissions are its own and its roles', as the org defines them now", "[domain]") {
  World w = Started();
  auto created = DecideCreateRole(*w.org, {"editor", std::vector<std::string>{"posts:write", "posts:read"}, {}}, {},
                                  Ctx());
  REQUIRE(created.ok());
  w.Apply(*created, 2000);
  w.Apply({KeyWith({"posts:read"}, {"editor"})}, 3000);
  CHECK(EffectivePermissions(*w.key, *w.org) == std::vector<std::string>{"posts:read", "posts:write"});

  auto updated = DecideUpdateRole(*w.org, "editor", {std::vector<std::string>{"admin"}, {}}, {}, Ctx());
  REQUIRE(updated.ok());
  REQUIRE(updated->size() == 1);
  w.Apply(*updated, 4000);
  CHECK(EffectivePermissions(*w.key, *w.org) == std::vector<std::string>{"posts:read", "admin"});

  auto revoked = DecideRevokeRole(*w.key, *w.org, "editor", Ctx());
  REQUIRE(revoked.ok());
  w.Apply(*revoked, 5000);
  CHECK(w.key->roles.empty());
  CHECK(EffectivePermissions(*w.key, *w.org) == std::vector<std::string>{"posts:read"});
  // Revoking again, and granting twice, append nothing.
  CHECK(DecideRevokeRole(*w.key, *w.org, "editor", Ctx())->empty());
  auto granted = DecideGrantRole(*w.key, *w.org, "editor", Ctx());
  REQUIRE(granted.ok());
  w.Apply(*granted, 6000);
  CHECK(DecideGrantRole(*w.key, *w.org, "editor", Ctx())->empty());
  CHECK(w.key->roles == std::vector<std::string>{"editor"});
}

TEST_CASE("reading the org as of a past point sees the role as it was then", "[domain]") {
  World w = Started();
  std::vector<Event> log;
  auto keep = [&](std::vector<Event> events, Millis at) {
    for (auto& e : events) e.recorded_at = at;
    w.Apply(events, at);
    for (auto& e : events) log.push_back(e);
  };
  keep(*DecideCreateRole(*w.org, {"viewer", std::vector<std::string>{"a"}, {}}, {}, Ctx()), 2000);
  keep({KeyWith({}, {"viewer"})}, 3000);
  keep(*DecideUpdateRole(*w.org, "viewer", {std::vector<std::string>{"b"}, {}}, {}, Ctx()), 4000);

  auto as_of = [&](Millis t) {
    std::optional<OrgState> org;
    std::optional<KeyState> key;
    Event created;
    created.org_id = "acme";
    created.stream_version = 1;
    created.data = OrgCreated{"Acme", "active"};
    EvolveOrg(org, created);
    for (const auto& e : log) {
      if (e.recorded_at > t) break;
      if (e.key_id) EvolveKey(key, e);
      else EvolveOrg(org, e);
    }
    return EffectivePermissions(*key, *org);
  };
  CHECK(as_of(3500) == std::vector<std::string>{"a"});
  CHECK(as_of(4000) == std::vector<std::string>{"b"});
}

TEST_CASE("role rules: names, duplicates, unknown roles, deletion while held", "[domain]") {
  World w = Started();
  auto bad = DecideCreateRole(*w.org, {"Bad Name", std::vector<std::string>{"NOT OK"}, {}}, {}, Ctx());
  REQUIRE_FALSE(bad.ok());
  CHECK(bad.status().fields().count("name") == 1);
  CHECK(bad.status().fields().count("permissions") == 1);
  CHECK(DecideCreateRole(*w.org, {{}, {}, {}}, {}, Ctx()).status().fields().size() == 2);

  w.Apply(*DecideCreateRole(*w.org, {"editor", std::vector<std::string>{"x"}, {}}, {}, Ctx()), 2000);
  CHECK(DecideCreateRole(*w.org, {"editor", std::vector<std::string>{"x"}, {}}, {}, Ctx()).status().code() ==
        Code::kConflict);
  CHECK(DecideUpdateRole(*w.org, "nope", {std::vector<std::string>{"x"}, {}}, {}, Ctx()).status().code() ==
        Code::kNotFound);
  CHECK(DecideUpdateRole(*w.org, "editor", {std::vector<std::string>{"x"}, {}}, {}, Ctx())->empty());

  auto held = DecideDeleteRole(*w.org, "editor", 2, Ctx());
  CHECK(held.status().code() == Code::kConflict);
  CHECK(held.status().details().at("keys") == "2");
  auto deleted = DecideDeleteRole(*w.org, "editor", 0, Ctx());
  REQUIRE(deleted.ok());
  w.Apply(*deleted, 3000);
  CHECK(w.org->roles.empty());

  FieldErrors errors;
  CheckRoleNames({"editor"}, w.org, errors);
  CHECK(errors.at("roles") == "names no role of the organization: editor");

  // A key holding a role the org no longer defines gets nothing from it.
  w.Apply({KeyWith({"own"}, {"editor"})}, 4000);
  CHECK(EffectivePermissions(*w.key, *w.org) == std::vector<std::string>{"own"});
  CHECK(DecideGrantRole(*w.key, *w.org, "editor", Ctx()).status().code() == Code::kNotFound);
}
