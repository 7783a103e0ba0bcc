#include <catch2/catch.hpp>

#include <map>
#include <string>

#include "projections/key_slots.h"

using namespace kl;
using kl::projections::KeySlots;

TEST_CASE("KeySlots keeps one state per id, at a stable address, through growth", "[projections]") {
  KeySlots slots(4);  // far too small: the table grows many times
  std::map<std::string, std::optional<KeyState>*> seen;
  auto id = [](int i) {
    // Ids of every length around the inline limit, and long ones that share a 40-byte head.
    if (i % 3 == 0) return "key_" + std::to_string(i);
    if (i % 3 == 1) return std::string(38 + i % 5, 'k') + std::to_string(i);
    return std::string(60, 'x') + std::to_string(i);
  };
  for (int i = 0; i < 5000; ++i) {
    auto& state = slots[id(i)];
    CHECK(!state);
    state.emplace();
    state->id = id(i);
    seen[id(i)] = &state;
  }
  CHECK(slots.size() == 5000);
  for (int i = 0; i < 5000; ++i) {
    auto& state = slots[id(i)];
    REQUIRE(state);
    CHECK(state->id == id(i));
    CHECK(&state == seen[id(i)]);
  }
  CHECK(slots.size() == 5000);
  // The empty id is an id like any other.
  CHECK(!slots[""]);
  slots[""].emplace();
  CHECK(slots[""]);
  CHECK(slots.size() == 5001);
}

TEST_CASE("KeySlots visits every id once, in the order first seen, and prefetching changes nothing", "[projections]") {
  KeySlots slots;
  std::vector<std::string> ids = {"key_b", std::string(41, 'a'), "key_a", std::string(41, 'a') + "b", "key_c"};
  for (const auto& i : ids) {
    uint64_t h = KeySlots::Hash(i);
    slots.PrefetchCell(h);
    slots.PrefetchEntry(h);
    slots.Find(i, h);
  }
  slots[ids[0]].emplace();  // found, not added
  std::vector<std::string> visited;
  std::vector<bool> engaged;
  slots.ForEach([&](std::string_view id, const std::optional<KeyState>& state) {
    visited.emplace_back(id);
    engaged.push_back(state.has_value());
  });
  CHECK(visited == ids);
  CHECK(engaged == std::vector<bool>{true, false, false, false, false});
}

TEST_CASE("KeySlots tells ids apart when their hashes collide", "[projections]") {
  KeySlots slots;
  // The same hash for every id: one probe chain, where only the ids themselves decide. Ids that
  // differ only past the inline limit, or only in length, or only in their last inline byte.
  const uint64_t same = 0x1234567890abcdefULL;
  std::vector<std::string> ids = {std::string(40, 'a'),       std::string(39, 'a') + "b", std::string(41, 'a'),
                                  std::string(40, 'a') + "b", std::string(39, 'a'),       "",
                                  std::string(80, 'a'),       std::string(79, 'a') + "c"};
  for (size_t i = 0; i < ids.size(); ++i) {
    auto& state = slots.Find(ids[i], same);
    REQUIRE(!state);
    state.emplace();
    state->name = std::to_string(i);
  }
  for (size_t i = 0; i < ids.size(); ++i) {
    auto& state = slots.Find(ids[i], same);
    REQUIRE(state);
    CHECK(state->name == std::to_string(i));
  }
  std::vector<std::string> visited;
  slots.ForEach([&](std::string_view id, const std::optional<KeyState>&) { visited.emplace_back(id); });
  CHECK(visited == ids);  // ids of exactly 40 bytes and longer ones read back whole
}

TEST_CASE("a moved-from KeySlots is empty", "[projections]") {
  KeySlots slots;
  slots["key_a"].emplace();
  KeySlots moved = std::move(slots);
  CHECK(moved.size() == 1);
  CHECK(moved["key_a"]);
  CHECK(slots.size() == 0);  // NOLINT(bugprone-use-after-move): what is checked
  size_t visits = 0;
  slots.ForEach([&](std::string_view, const std::optional<KeyState>&) { ++visits; });
  CHECK(visits == 0);
}
