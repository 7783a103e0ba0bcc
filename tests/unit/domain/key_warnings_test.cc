#include <catch2/catch.hpp>

#include "domain/key_warnings.h"

using namespace kl;

namespace {
constexpr Millis kNow = 1'800'000'000'000;
constexpr Millis kDay = 86'400'000;

CommandContext At(Millis now) { return CommandContext{now, Actor{"system", "sweeper"}, "req"}; }

struct Key {
  std::optional<KeyState> state;
  uint64_t version = 0;
  void Apply(EventData data, Millis at = kNow) {
    Event e;
    e.key_id = "key_1";
    e.org_id = "acme";
    e.stream_version = ++version;
    e.recorded_at = at;
    e.data = std::move(data);
    EvolveKey(state, e);
  }
  // Decides at `now` and folds what was decided, like the sweeper and the projector.
  std::vector<Event> Sweep(Millis now) {
    auto events = DecideKeyWarnings(*state, At(now));
    for (const auto& e : events) {
      EvolveKey(state, e);
      version = e.stream_version;
    }
    return events;
  }
};

Key WithExpiry(Millis expires_at) {
  Key k;
  KeyCreated c;
  c.expires_at = expires_at;
  k.Apply(c);
  return k;
}
Key WithCredits(int64_t remaining, std::optional<CreditRefill> refill = std::nullopt) {
  Key k;
  KeyCreated c;
  c.credits = Credits{remaining, refill};
  k.Apply(c);
  return k;
}
std::string Window(const Event& e) { return std::get<KeyExpiringSoon>(e.data).window; }
}  // namespace

TEST_CASE("KeyExpiringSoon: 7d then 1d, once each, due when the index says so", "[domain][warnings]") {
  Millis expires = kNow + 30 * kDay;
  Key k = WithExpiry(expires);
  CHECK(NextWarningDue(*k.state) == expires - 7 * kDay);
  CHECK(k.Sweep(expires - 7 * kDay - 1).empty());
  auto week = k.Sweep(expires - 7 * kDay);
  REQUIRE(week.size() == 1);
  CHECK(Window(week[0]) == "7d");
  CHECK(std::get<KeyExpiringSoon>(week[0].data).expires_at == expires);
  CHECK(week[0].stream_version == 2);
  CHECK(week[0].actor == Actor{"system", "sweeper"});
  CHECK(k.state->expiry_warned_for == expires);
  CHECK(k.state->expiry_warned_window == "7d");
  CHECK(k.Sweep(expires - 3 * kDay).empty());  // once per window
  CHECK(NextWarningDue(*k.state) == expires - kDay);
  auto day = k.Sweep(expires - kDay + 5);
  REQUIRE(day.size() == 1);
  CHECK(Window(day[0]) == "1d");
  CHECK_FALSE(NextWarningDue(*k.state));
  CHECK(k.Sweep(expires - 1).empty());
}

TEST_CASE("KeyExpiringSoon: a key first seen inside 1 day gets only 1d; none past expiry", "[domain][warnings]") {
  Key k = WithExpiry(kNow + 3600'000);
  CHECK(*NextWarningDue(*k.state) <= kNow);
  auto events = k.Sweep(kNow);
  REQUIRE(events.size() == 1);
  CHECK(Window(events[0]) == "1d");
  CHECK(k.Sweep(kNow + 1000).empty());
  CHECK_FALSE(NextWarningDue(*k.state));

  Key late = WithExpiry(kNow + 1000);
  CHECK(late.Sweep(kNow + 1000).empty());  // KeyExpired is what is due now
}

TEST_CASE("KeyExpiringSoon: a new expires_at warns again; revoked and rotated keys never", "[domain][warnings]") {
  Millis expires = kNow + 2 * kDay;
  Key k = WithExpiry(expires);
  REQUIRE(k.Sweep(kNow).size() == 1);
  KeyUpdated moved;
  moved.expires_at = std::optional<Millis>(kNow + 10 * kDay);
  k.Apply(moved);
  CHECK(NextWarningDue(*k.state) == kNow + 3 * kDay);
  auto again = k.Sweep(kNow + 3 * kDay);
  REQUIRE(again.size() == 1);
  CHECK(std::get<KeyExpiringSoon>(again[0].data).expires_at == kNow + 10 * kDay);

  KeyUpdated cleared;
  cleared.expires_at = std::optional<Millis>();
  k.Apply(cleared);
  CHECK_FALSE(NextWarningDue(*k.state));

  Key revoked = WithExpiry(expires);
  revoked.Apply(KeyRevoked{});
  CHECK_FALSE(NextWarningDue(*revoked.state));
  CHECK(revoked.Sweep(kNow).empty());

  Key rotated = WithExpiry(kNow + 30 * kDay);
  rotated.Apply(KeyRotated{"key_2", kNow + 2 * kDay});
  CHECK_FALSE(NextWarningDue(*rotated.state));
  CHECK(rotated.Sweep(kNow).empty());
}

TEST_CASE("KeyCreditsLow: once at floor(10%) of the basis, re-armed by a refill or a PATCH", "[domain][warnings]") {
  Key k = WithCredits(10, CreditRefill{50, "daily"});
  CHECK(k.state->credits_basis == 10);
  CHECK(CreditsLowThreshold(*k.state) == 1);
  CHECK_FALSE(NextWarningDue(*k.state));
  k.Apply(KeyUsed{8, kNow, kNow, "ip", "ua", 8});
  CHECK_FALSE(NextWarningDue(*k.state));  // 2 left > 1
  k.Apply(KeyUsed{1, kNow, kNow, "ip", "ua", 1});
  CHECK(NextWarningDue(*k.state) == 0);  // due at once
  auto low = k.Sweep(kNow);
  REQUIRE(low.size() == 1);
  CHECK(std::get<KeyCreditsLow>(low[0].data).remaining == 1);
  CHECK(std::get<KeyCreditsLow>(low[0].data).threshold == 1);
  CHECK(k.state->credits_low_warned);
  k.Apply(KeyUsed{1, kNow, kNow, "ip", "ua", 1});
  CHECK(k.Sweep(kNow).empty());  // once
  CHECK_FALSE(NextWarningDue(*k.state));

  // A refill re-arms it against the refill amount.
  k.Apply(KeyCreditsRefilled{50, 50});
  CHECK_FALSE(k.state->credits_low_warned);
  CHECK(CreditsLowThreshold(*k.state) == 5);
  k.Apply(KeyUsed{45, kNow, kNow, "ip", "ua", 45});
  REQUIRE(k.Sweep(kNow).size() == 1);

  // A PATCH that sets credits re-arms it against the new amount; one that removes them disarms.
  KeyUpdated patch;
  patch.credits = std::optional<Credits>(Credits{3, std::nullopt});
  k.Apply(patch);
  CHECK(CreditsLowThreshold(*k.state) == 0);
  CHECK_FALSE(NextWarningDue(*k.state));
  k.Apply(KeyUsed{3, kNow, kNow, "ip", "ua", 3});
  REQUIRE(k.Sweep(kNow).size() == 1);
  KeyUpdated removed;
  removed.credits = std::optional<Credits>();
  k.Apply(removed);
  CHECK_FALSE(CreditsLowThreshold(*k.state));
  CHECK_FALSE(NextWarningDue(*k.state));
}

TEST_CASE("KeyCreditsLow: a basis of 0 never warns; both warnings can come in one sweep", "[domain][warnings]") {
  Key empty = WithCredits(0);
  CHECK_FALSE(NextWarningDue(*empty.state));

  Key both;
  KeyCreated c;
  c.credits = Credits{10, std::nullopt};
  c.expires_at = kNow + 3600'000;
  both.Apply(c);
  both.Apply(KeyUsed{9, kNow, kNow, "ip", "ua", 9});
  auto events = both.Sweep(kNow);
  REQUIRE(events.size() == 2);
  CHECK(std::holds_alternative<KeyCreditsLow>(events[0].data));
  CHECK(std::holds_alternative<KeyExpiringSoon>(events[1].data));
  CHECK(events[1].stream_version == events[0].stream_version + 1);
  CHECK_FALSE(NextWarningDue(*both.state));
}
