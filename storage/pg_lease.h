// A lease in PostgreSQL with a fencing token (docs/cluster.md, "Background work"): one row of
// keyledger_leases per lease name, holding who has it, until when, and a token that moves up each
// time the lease changes hands. Whoever holds the lease puts its token on the appends it makes
// (storage::AppendFence); PgLog commits those only while the token is still the row's, so a holder
// that lost the lease (paused, partitioned) cannot append after another took over.
//
// Expiry is measured on the database's clock (nodes' clocks do not matter); the holder's own view
// of it is measured from before its request was sent, so it always ends before the database's.
#pragma once
#include <chrono>
#include <memory>
#include <optional>
#include <string>

#include "domain/status.h"
#include "storage/pg_conn.h"

namespace kl::storage {

struct PgLeaseOptions {
  std::string conninfo;
  std::string name;    // the lease
  std::string holder;  // this holder, unique per process
  std::chrono::milliseconds ttl{10000};
  std::chrono::milliseconds op_timeout{2000};
};

struct LeaseGrant {
  uint64_t token = 0;
  // This holder may act on the lease until then (steady clock): the database's expiry is later.
  std::chrono::steady_clock::time_point valid_until;
};

// Not thread-safe: one thread (the holder's lease keeper) calls it.
class PgLease {
 public:
  explicit PgLease(PgLeaseOptions options) : options_(std::move(options)) {}

  // Takes the lease if it is free or expired, or renews it if this holder has it. A grant when
  // this holder has it now; nullopt when another holder does; kUnavailable when PostgreSQL cannot
  // be reached in time.
  Result<std::optional<LeaseGrant>> AcquireOrRenew();
  // Lets the lease go at once (when this holder has it), so another holder need not wait for it
  // to expire.
  Status Release();

  const PgLeaseOptions& options() const { return options_; }

 private:
  bool EnsureConnected(PgDeadline deadline);
  std::unique_ptr<PgConnection> conn_;
  PgLeaseOptions options_;
};

}  // namespace kl::storage
