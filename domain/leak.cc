#include "domain/leak.h"

#include "domain/text.h"

namespace kl {

void CheckLeakReport(const LeakReport& r, size_t index, FieldErrors& errors) {
  std::string at = "[" + std::to_string(index) + "].";
  if (Utf8Length(r.type) > kMaxLeakTextChars) errors[at + "type"] = "must be at most 200 characters";
  if (Utf8Length(r.url) > kMaxLeakUrlChars) errors[at + "url"] = "must be at most 2048 characters";
  if (Utf8Length(r.source) > kMaxLeakTextChars) errors[at + "source"] = "must be at most 200 characters";
}

std::vector<Event> DecideLeakReport(const KeyState& key, const LeakReport& report, const CommandContext& ctx) {
  std::vector<Event> out;
  uint64_t v = key.version;
  out.push_back(NewEvent(ctx, key.org_id, key.id, ++v, KeyLeakReported{report.url, report.source}));
  // Revoked is final; an expired key is revoked too, so its record says why it must never return.
  if (key.status != "revoked")
    out.push_back(NewEvent(ctx, key.org_id, key.id, ++v, KeyRevoked{std::string(kLeakRevokeReason)}));
  return out;
}

}  // namespace kl
