#include "app/chain_check.h"

#include "events/chain.h"

namespace kl::app {

std::optional<std::string> ChainCheck::Add(uint64_t stored_seq, const Event& ev) {
  if (stored_seq != count_ + 1) return "missing event (the log has a gap)";
  if (ev.seq != stored_seq) return "stored under the wrong sequence number";
  if (ev.prev_hash != head_) return "prev_hash does not link to the previous event";
  auto org = org_heads_.find(ev.org_id);
  Hash32 org_prev = org == org_heads_.end() ? Hash32{} : org->second.second;
  if (ev.org_prev_hash != org_prev) return "org_prev_hash does not link to the org's previous event";
  if (!events::VerifySeal(ev)) return "hash or org_hash does not match the event's content";
  ++count_;
  head_ = ev.hash;
  org_heads_[ev.org_id] = {ev.seq, ev.org_hash};
  return std::nullopt;
}

}  // namespace kl::app
