// Usage recorded in memory on the validation hot path (docs/spec.md, Validation): the next read sees it at once
// (the read model overlays it), and a background flusher turns it into one KeyUsed (and one
// KeyUseRejected per code) per key per window. Sharded so validations never queue on one lock.
#pragma once
#include <array>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "domain/event.h"
#include "domain/key.h"

namespace kl::projections {

struct UsageWindow {
  int64_t count = 0;
  Millis first_at = 0;
  Millis last_at = 0;
  std::string ip;
  std::string user_agent;
  int64_t credits_spent = 0;
  void Add(Millis at, const std::string& ip, const std::string& ua, int64_t credits);
  void Merge(const UsageWindow& later);
};

struct KeyUsage {
  std::string key_id;
  std::string org_id;
  std::optional<UsageWindow> used;
  std::map<std::string, UsageWindow> rejected;  // by validation code
};

struct RateLimitState {
  int64_t limit = 0;
  int64_t remaining = 0;
  Millis reset_at = 0;  // when the bucket is full again
};

struct GateOutcome {
  ValidationCode code = ValidationCode::kValid;
  std::optional<int64_t> credits_remaining;  // set when the key has a credits gate
  std::optional<RateLimitState> ratelimit;   // set when the key has a ratelimit gate
};

// A key's usage fields as a read shows them: the projection plus usage not yet folded.
struct KeyUsageView {
  int64_t usage_count = 0;
  std::optional<Millis> last_used_at;
  std::optional<std::string> last_used_ip;
  std::optional<std::string> last_used_user_agent;
  std::optional<int64_t> credits_remaining;  // set when the key has a credits gate
};

class UsageTracker {
 public:
  // The last two gates of docs/policy-gates.md for a key that passed every other check, decided and
  // recorded atomically per key: RATE_LIMITED (token bucket), USAGE_EXCEEDED (credits), else
  // VALID, which spends one credit and records the use. Exact under concurrency.
  GateOutcome TryUse(const KeyState& key, Millis now, const std::string& ip, const std::string& ua);
  // A cluster node's gates for a key with credits or a rate limit are decided by the shared
  // counters (docs/cluster.md, "Credits and rate limits across nodes"); this records that
  // decision as TryUse records its own: the use (spending `credits_spent`) or the refusal.
  void RecordDecided(const KeyState& key, ValidationCode code, int64_t credits_spent, Millis now,
                     const std::string& ip, const std::string& ua);
  // The credits this node sees left for `key`: the projection's less its own spends not yet in
  // the log (what TryUse would decide on). Unset for a key without credits.
  std::optional<int64_t> LiveCredits(const KeyState& key) const;
  // Called in log order for every committed event (the projector's commit hook), so live
  // credits follow PATCHes and refills while spends not yet in the log are kept.
  void OnCommitted(const Event& event);

  void RecordRejection(const KeyState& key, const std::string& code, Millis at, const std::string& ip,
                       const std::string& ua);
  // Applies usage not yet in the projection to a projected key.
  void Overlay(KeyState& key) const;
  // The same, without copying the key.
  KeyUsageView View(const KeyState& key) const;
  // Moves every pending window to "in flight" and returns them for the flusher to append.
  std::vector<KeyUsage> BeginFlush();
  // The flusher's outcome: on success the projection has the usage; on failure it goes back.
  void EndFlush(const KeyUsage& usage, bool appended);

 private:
  struct Entry {
    KeyUsage pending;
    KeyUsage in_flight;
    // Live gates. live_credits, once known, is the authority (re-deriving it from the
    // projection could race with a flush); uncommitted_spent counts spends the log lacks.
    std::optional<int64_t> live_credits;
    int64_t uncommitted_spent = 0;
    std::optional<RateLimit> bucket_config;
    double tokens = 0;
    Millis tokens_at = 0;
    bool Idle() const {
      return !pending.used && pending.rejected.empty() && !in_flight.used && in_flight.rejected.empty() &&
             !live_credits && !bucket_config;
    }
  };
  struct Shard {
    mutable std::mutex mu;
    std::unordered_map<std::string, Entry> entries;
  };
  Shard& ShardOf(const std::string& key_id) const;
  // Under the shard's lock: records a decided use or refusal of `key` in `e`.
  static void RecordLocked(Entry& e, const KeyState& key, ValidationCode code, int64_t credits_spent, Millis now,
                           const std::string& ip, const std::string& ua);
  static constexpr size_t kShards = 64;
  mutable std::array<Shard, kShards> shards_;
};

}  // namespace kl::projections
