// Background workers of `serve`: the usage flusher and the expiry sweeper. Both append through
// the same log as requests do, as actor "system". On a cluster node the flusher runs on every
// node (each flushes the usage it saw; folds merge them), the sweeper only on the node holding
// the lease for background work, through its fenced log (app/background_lease.h).
#pragma once
#include <chrono>

#include "app/periodic_worker.h"
#include "projections/read_model.h"
#include "projections/usage_tracker.h"
#include "storage/event_log.h"

namespace kl::app {

// Every `period`, appends one KeyUsed / KeyUseRejected per key with usage since the last flush.
// Usage events are not fsync'd (docs/spec.md, Validation); Stop() flushes what is left.
class UsageFlusher {
 public:
  UsageFlusher(storage::EventLog& log, const projections::ReadModel& reads, projections::UsageTracker& usage,
               std::chrono::milliseconds period);
  ~UsageFlusher();
  void Start();
  void Stop();
  // One flush now; returns how many events were appended.
  size_t FlushOnce();

 private:
  storage::EventLog& log_;
  const projections::ReadModel& reads_;
  projections::UsageTracker& usage_;
  PeriodicWorker worker_;  // last: its thread stops before the members it uses go
};

// Appends KeyExpired (actor system) for active keys past expires_at, within `period` of it,
// including keys that expired while the service was down; also the due credit refills and the
// derived warnings KeyExpiringSoon / KeyCreditsLow (domain/key_warnings.h).
class ExpirySweeper {
 public:
  ExpirySweeper(storage::EventLog& log, const projections::ReadModel& reads, std::chrono::milliseconds period);
  ~ExpirySweeper();
  // May be called again after Stop(): a cluster node runs the sweeper only while it holds the
  // lease for background work (app/background_lease.h).
  void Start();
  void Stop();
  size_t SweepOnce();

 private:
  storage::EventLog& log_;
  const projections::ReadModel& reads_;
  PeriodicWorker worker_;  // last: its thread stops before the members it uses go
};

}  // namespace kl::app
