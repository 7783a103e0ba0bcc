// Where each webhook's delivery stands: the cursor (every event up to it is delivered or not
// wanted), the last success and the failure in progress. Stored in storage's `cursors` column
// family, written without fsync: losing the last writes to a power cut only repeats deliveries,
// which at-least-once allows (the repeat carries the same Keyledger-Event-Id).
//
// On a cluster node the cursor is also kept in the cluster's shared cursors, so the node that
// takes the dispatcher over (with the lease for background work) resumes where the last one
// stopped rather than from its own, older cursor (docs/cluster.md, "Background work").
#pragma once
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>

#include "domain/event.h"
#include "storage/database.h"
#include "storage/shared_cursors.h"

namespace kl::webhooks {

struct DeliveryState {
  uint64_t cursor = 0;
  std::optional<Millis> last_delivery_at;
  std::optional<std::string> last_error;
  std::optional<Millis> failing_since;  // first failure of the current streak
};

class DeliveryStore {
 public:
  // `shared` null: this node's own cursors only (the embedded log).
  explicit DeliveryStore(storage::Database* db, storage::SharedCursors* shared = nullptr);
  // This node's own record (no round trip: the API's webhook reads use it).
  std::optional<DeliveryState> Load(const std::string& webhook_id) const;
  // Where a dispatcher resumes: this node's record, its cursor moved up to the cluster's shared
  // one when that is further.
  std::optional<DeliveryState> LoadToResume(const std::string& webhook_id) const;
  Status Save(const std::string& webhook_id, const DeliveryState& state);
  Status Erase(const std::string& webhook_id);

 private:
  storage::Database* db_;
  rocksdb::ColumnFamilyHandle* cf_;
  storage::SharedCursors* shared_;
  std::mutex mu_;
  std::unordered_map<std::string, uint64_t> shared_at_;  // what was last stored in shared_, by webhook
};

}  // namespace kl::webhooks
