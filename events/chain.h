// The two hash chains (docs/spec.md, Hash chains):
//   hash     = SHA-256(prev_hash     ‖ C)
//   org_hash = SHA-256(org_prev_hash ‖ C)
// where C is the RFC 8785 form of the event's JSON without its four hash fields, and the
// previous hash is 32 zero bytes before the first event (of the log, or of the org).
#pragma once
#include <string>
#include <string_view>

#include "domain/event.h"

namespace kl::events {

// C, the canonical bytes both chains hash.
std::string CanonicalBytes(const Event& event);
// Sets prev_hash, hash, org_prev_hash and org_hash. seq and recorded_at must already be set.
void Seal(Event& event, const Hash32& prev_hash, const Hash32& org_prev_hash);
// Recomputes both hashes from the event's own prev fields; true when they match.
bool VerifySeal(const Event& event);

// C with the two fields the log's writer assigns (seq, recorded_at) left open. Rendering and
// canonicalising an event is most of sealing it; a template lets that happen on the appending
// thread, leaving the serial writer only the two values and the hashes.
struct CanonicalTemplate {
  std::string before_recorded_at;  // `{"actor":...,"recorded_at":`
  std::string before_seq;          // `,"request_id":...,"seq":`
  std::string after_seq;           // `,"stream_version":...}`
};
CanonicalTemplate MakeCanonicalTemplate(const Event& event);
// The same as Seal(event, ...) for a template made from this event before seq and recorded_at
// were set (nothing else may change in between).
void Seal(Event& event, const CanonicalTemplate& canonical, const Hash32& prev_hash, const Hash32& org_prev_hash);
// C from a template, once seq and recorded_at are set: the same bytes as CanonicalBytes(event).
std::string CanonicalBytes(const Event& event, const CanonicalTemplate& canonical);
// Seal with C already computed (the log's writer also hashes C into the Merkle tree).
void SealCanonical(Event& event, std::string_view c, const Hash32& prev_hash, const Hash32& org_prev_hash);

}  // namespace kl::events
