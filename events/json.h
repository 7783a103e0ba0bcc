// The JSON rendering of an event (docs/spec.md, Event JSON). It is hashed, so once an event is written its
// rendering must never change: tests/unit/events/golden_test.cc freezes it per type.
#pragma once
#include <nlohmann/json.hpp>

#include "domain/event.h"

namespace kl::events {

// The full object as served and exported, with prev_hash/hash/org_prev_hash/org_hash as hex.
nlohmann::json ToJson(const Event& event);
// The same object without its four hash fields: what the chains hash (canonicalised).
nlohmann::json ToJsonUnsealed(const Event& event);
// Only the type-specific "data" object. Secrets and secret hashes never appear in it.
nlohmann::json DataToJson(const EventData& data);

}  // namespace kl::events
