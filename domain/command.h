// What every command carries besides its own input: who acts, when, and for which request.
#pragma once
#include <string>

#include "domain/event.h"

namespace kl {

struct CommandContext {
  Millis now = 0;
  Actor actor;
  std::string request_id;
};

// An event as decide() produces it: the log assigns seq, recorded_at and hashes on append.
Event NewEvent(const CommandContext& ctx, std::string org_id, std::optional<std::string> key_id,
               uint64_t stream_version, EventData data);

}  // namespace kl
