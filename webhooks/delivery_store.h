// Where each webhook's delivery stands: the cursor (every event up to it is delivered or not
// wanted), the last success and the failure in progress. Stored in storage's `cursors` column
// family, written without fsync: losing the last writes to a power cut only repeats deliveries,
// which at-least-once allows (the repeat carries the same Keyledger-Event-Id).
#pragma once
#include <optional>
#include <string>

#include "domain/event.h"
#include "storage/database.h"

namespace kl::webhooks {

struct DeliveryState {
  uint64_t cursor = 0;
  std::optional<Millis> last_delivery_at;
  std::optional<std::string> last_error;
  std::optional<Millis> failing_since;  // first failure of the current streak
};

class DeliveryStore {
 public:
  explicit DeliveryStore(storage::Database* db);
  std::optional<DeliveryState> Load(const std::string& webhook_id) const;
  Status Save(const std::string& webhook_id, const DeliveryState& state);
  Status Erase(const std::string& webhook_id);

 private:
  storage::Database* db_;
  rocksdb::ColumnFamilyHandle* cf_;
};

}  // namespace kl::webhooks
