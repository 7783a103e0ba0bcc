// Both hash chains re-computed event by event, in log order (docs/architecture.md): every event
// must sit at the next seq, link to the previous event's hash and to its org's previous org_hash,
// and carry the hashes its content seals to. Used by `verify` over either log and by
// `cluster import`, which refuses to move a broken chain.
#pragma once
#include <optional>
#include <string>
#include <unordered_map>

#include "domain/event.h"

namespace kl::app {

class ChainCheck {
 public:
  // Nothing when `ev`, stored under `stored_seq`, continues the chains; otherwise why it does not.
  std::optional<std::string> Add(uint64_t stored_seq, const Event& ev);

  uint64_t count() const { return count_; }
  const Hash32& head() const { return head_; }
  const std::unordered_map<std::string, std::pair<uint64_t, Hash32>>& org_heads() const { return org_heads_; }

 private:
  uint64_t count_ = 0;
  Hash32 head_{};
  std::unordered_map<std::string, std::pair<uint64_t, Hash32>> org_heads_;  // org -> (seq, org_hash)
};

}  // namespace kl::app
