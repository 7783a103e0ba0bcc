#include "events/chain.h"

#include "domain/crypto.h"
#include "domain/time.h"
#include "events/canonical_json.h"
#include "events/json.h"

namespace kl::events {

std::string CanonicalBytes(const Event& event) { return Canonicalize(ToJsonUnsealed(event)); }

namespace {
void SetHashes(Event& event, std::string_view c, const Hash32& prev_hash, const Hash32& org_prev_hash) {
  event.prev_hash = prev_hash;
  event.org_prev_hash = org_prev_hash;
  event.hash = Sha256Concat(prev_hash, c);
  event.org_hash = Sha256Concat(org_prev_hash, c);
}
}  // namespace

void Seal(Event& event, const Hash32& prev_hash, const Hash32& org_prev_hash) {
  SetHashes(event, CanonicalBytes(event), prev_hash, org_prev_hash);
}

// MakeCanonicalTemplate: canonical_template.cc.

std::string CanonicalBytes(const Event& event, const CanonicalTemplate& canonical) {
  std::string c;
  c.reserve(canonical.before_recorded_at.size() + canonical.before_seq.size() + canonical.after_seq.size() + 48);
  c += canonical.before_recorded_at;
  c += Canonicalize(nlohmann::json(FormatTime(event.recorded_at)));  // as ToJsonUnsealed renders it
  c += canonical.before_seq;
  c += Canonicalize(nlohmann::json(event.seq));
  c += canonical.after_seq;
  return c;
}

void SealCanonical(Event& event, std::string_view c, const Hash32& prev_hash, const Hash32& org_prev_hash) {
  SetHashes(event, c, prev_hash, org_prev_hash);
}

void Seal(Event& event, const CanonicalTemplate& canonical, const Hash32& prev_hash, const Hash32& org_prev_hash) {
  SetHashes(event, CanonicalBytes(event, canonical), prev_hash, org_prev_hash);
}

bool VerifySeal(const Event& event) {
  std::string c = CanonicalBytes(event);
  return Sha256Concat(event.prev_hash, c) == event.hash && Sha256Concat(event.org_prev_hash, c) == event.org_hash;
}

}  // namespace kl::events
