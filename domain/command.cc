#include "domain/command.h"

#include "domain/ids.h"

namespace kl {

Event NewEvent(const CommandContext& ctx, std::string org_id, std::optional<std::string> key_id,
               uint64_t stream_version, EventData data) {
  Event e;
  e.id = NewId("evt", ctx.now);
  e.org_id = std::move(org_id);
  e.key_id = std::move(key_id);
  e.stream_version = stream_version;
  e.actor = ctx.actor;
  e.request_id = ctx.request_id;
  e.data = std::move(data);
  return e;
}

}  // namespace kl
