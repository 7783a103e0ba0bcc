// The organization aggregate: decide and evolve (domain/org.h).
#include <catch2/catch.hpp>

#include <string>

#include "domain/ids.h"
#include "domain/org.h"

using namespace kl;

namespace {
CommandContext Ctx() { return CommandContext{1'800'000'000'000, Actor{"admin", "admin"}, "req"}; }
}  // namespace

TEST_CASE("creating an org checks every field at once and defaults its status to active") {
  CreateOrgInput bad{std::string("-bad"), std::string(" "), std::string("gone")};
  auto r = DecideCreateOrg(std::nullopt, bad, {}, Ctx());
  REQUIRE_FALSE(r.ok());
  CHECK(r.status().fields().count("id") == 1);
  CHECK(r.status().fields().count("name") == 1);
  CHECK(r.status().fields().count("status") == 1);

  CreateOrgInput missing{};
  CHECK(DecideCreateOrg(std::nullopt, missing, {}, Ctx()).status().fields().at("name") == "is required");
  CreateOrgInput too_long{std::nullopt, std::string(201, 'a'), std::nullopt};
  CHECK(DecideCreateOrg(std::nullopt, too_long, {}, Ctx()).status().fields().count("name") == 1);

  CreateOrgInput ok{std::nullopt, std::string("Acme"), std::nullopt};
  auto made = DecideCreateOrg(std::nullopt, ok, {}, Ctx());
  REQUIRE(made.ok());
  REQUIRE(made->size() == 1);
  const Event& e = made->front();
  CHECK(IsId(e.org_id, "org"));
  CHECK(e.stream_version == 1);
  CHECK(std::get<OrgCreated>(e.data).status == "active");
}

TEST_CASE("a type error from the HTTP layer is kept beside the domain's own") {
  CreateOrgInput in{std::nullopt, std::string("Acme"), std::string("gone")};
  auto r = DecideCreateOrg(std::nullopt, in, FieldErrors{{"name", "must be a string"}}, Ctx());
  REQUIRE_FALSE(r.ok());
  CHECK(r.status().fields().at("name") == "must be a string");  // not overwritten by "is required"
  CHECK(r.status().fields().count("status") == 1);
}

TEST_CASE("an org id that is taken is a conflict, after the input checks") {
  OrgState existing{"acme", "Acme", "active", 0, 0, 1};
  CreateOrgInput in{std::string("acme"), std::string("Acme 2"), std::nullopt};
  auto r = DecideCreateOrg(existing, in, {}, Ctx());
  REQUIRE_FALSE(r.ok());
  CHECK(r.status().code() == Code::kConflict);
}

TEST_CASE("EvolveOrg folds creation and updates, and counts every event on the stream") {
  std::optional<OrgState> state;
  CreateOrgInput in{std::string("acme"), std::string("Acme"), std::string("past_due")};
  Event created = DecideCreateOrg(std::nullopt, in, {}, Ctx())->front();
  created.recorded_at = 10;
  EvolveOrg(state, created);
  REQUIRE(state);
  CHECK(state->id == "acme");
  CHECK(state->status == "past_due");
  CHECK(state->created_at == 10);
  CHECK(state->version == 1);

  UpdateOrgInput up{std::string("Acme Inc"), std::string("active")};
  Event updated = DecideUpdateOrg(*state, up, {}, Ctx())->front();
  updated.recorded_at = 20;
  EvolveOrg(state, updated);
  CHECK(state->name == "Acme Inc");
  CHECK(state->status == "active");
  CHECK(state->created_at == 10);
  CHECK(state->updated_at == 20);
  CHECK(state->version == 2);

  std::optional<OrgState> none;
  EvolveOrg(none, updated);  // an update without a creation folds to nothing
  CHECK_FALSE(none);
}

TEST_CASE("IsOrgStatus accepts exactly the four documented statuses") {
  for (const char* s : {"active", "past_due", "trial_expired", "decommissioning"}) CHECK(IsOrgStatus(s));
  for (const char* s : {"", "Active", "suspended", "active "}) CHECK_FALSE(IsOrgStatus(s));
}
