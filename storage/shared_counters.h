// Counters shared by every node of a cluster, for the validation gates that must hold across
// nodes (docs/cluster.md, "Credits and rate limits across nodes"): a key's credits spent in its
// credit epoch, and its validations in the current rate-limit window. Each spend is one atomic
// conditional increment, so concurrent spends on any number of nodes never pass a limit. An
// embedded node has none (its UsageTracker is the only counter); a cluster keeps them in
// PostgreSQL (storage/pg_counters.h).
#pragma once
#include <cstdint>
#include <optional>
#include <string>

#include "domain/status.h"

namespace kl::storage {

struct CounterSpend {
  // `cost` credits out of `limit`, in the epoch identified by `epoch`: the same on every node for
  // the same setting of the key's credits (the recorded_at of the event that set them).
  struct Credits {
    int64_t epoch = 0;
    int64_t limit = 0;
    int64_t cost = 1;
  };
  // One validation out of `limit` in the current window of `window_ms` (fixed windows on the
  // database's clock: the same for every node).
  struct Rate {
    int64_t limit = 0;
    int64_t window_ms = 0;
  };
  std::string key_id;
  std::optional<Rate> rate;        // checked first; the credits are spent only if it passes
  std::optional<Credits> credits;
};

struct CounterOutcome {
  bool rate_ok = true;
  int64_t rate_used = 0;      // validations counted in the window, this one included when it passed
  int64_t rate_reset_at = 0;  // when the window ends, unix ms (database clock)
  bool credits_ok = false;    // spent (false when the rate gate refused first)
  int64_t credits_spent = 0;  // spent in the epoch after this spend; meaningful when credits_ok
};

class SharedCounters {
 public:
  virtual ~SharedCounters() = default;
  // Applies the spend atomically. kUnavailable when the counters cannot be reached: nothing is
  // known to be spent, and the caller must not grant the use (it may have counted: it fails closed).
  virtual Result<CounterOutcome> Spend(const CounterSpend& spend) = 0;
};

}  // namespace kl::storage
