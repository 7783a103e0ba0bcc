#include "events/chain.h"

#include "domain/crypto.h"
#include "events/canonical_json.h"
#include "events/json.h"

namespace kl::events {

std::string CanonicalBytes(const Event& event) { return Canonicalize(ToJsonUnsealed(event)); }

void Seal(Event& event, const Hash32& prev_hash, const Hash32& org_prev_hash) {
  std::string c = CanonicalBytes(event);
  event.prev_hash = prev_hash;
  event.org_prev_hash = org_prev_hash;
  event.hash = Sha256Concat(prev_hash, c);
  event.org_hash = Sha256Concat(org_prev_hash, c);
}

bool VerifySeal(const Event& event) {
  std::string c = CanonicalBytes(event);
  return Sha256Concat(event.prev_hash, c) == event.hash && Sha256Concat(event.org_prev_hash, c) == event.org_hash;
}

}  // namespace kl::events
