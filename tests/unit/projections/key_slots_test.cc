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
