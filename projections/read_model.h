// Reads of the projected state, for the HTTP layer and the CLIs.
#pragma once
#include <atomic>
#include <optional>
#include <string>
#include <vector>

#include "domain/key.h"
#include "domain/org.h"
#include "projections/key_column_families.h"
#include "projections/state_cache.h"
#include "projections/usage_tracker.h"
#include "storage/database.h"

namespace kl::projections {

struct KeyFilter {
  std::string status = "active";  // active | revoked | expired | all
  std::optional<std::string> owner_id;
  std::optional<std::string> project_id;
  std::optional<std::string> environment;
};

template <typename T>
struct Page {
  std::vector<T> items;
  std::optional<std::string> next_cursor;
};

class ReadModel {
 public:
  // `usage` (optional) overlays usage recorded in memory but not yet folded from KeyUsed.
  // `cache` (optional) serves FindKeyByHash / FindOrg from memory; the projector keeps it current.
  explicit ReadModel(storage::Database* db, const UsageTracker* usage = nullptr, StateCache* cache = nullptr);

  // The hot-path reads: shared, immutable, without the usage overlay. Null: not found.
  StateCache::KeyPtr FindKeyByHash(const Hash32& secret_hash) const;
  // Whether any key was imported by its hash (docs/spec.md, Importing keys). Once true it stays
  // true (keys are never erased), and is then answered from memory.
  bool HasImportedKeys() const;
  StateCache::OrgPtr FindOrg(const std::string& org_id) const;
  // The cache's generation (StateCache::Generation), or nullopt without a cache.
  std::optional<uint64_t> CacheGeneration() const {
    return cache_ ? std::optional<uint64_t>(cache_->Generation()) : std::nullopt;
  }

  // Straight from RocksDB: no cache, no usage overlay. The loaders of a ValidationIndex, which
  // folds committed KeyUsed events itself (an overlay would count that usage twice).
  std::optional<KeyState> LoadKeyByHash(const Hash32& secret_hash) const;
  std::optional<OrgState> LoadOrg(const std::string& org_id) const;

  std::optional<KeyState> GetKey(const std::string& key_id) const;
  std::optional<KeyState> GetKeyByHash(const Hash32& secret_hash) const;
  std::optional<OrgState> GetOrg(const std::string& org_id) const;
  // Keys of an org, newest first. `cursor` is what a previous page returned; a bad cursor is
  // a validation error.
  // A page of the org's keys from `cursor` (exclusive) in `order`; next_cursor continues in the
  // same order. A cursor marks a position in the listing, so it reads in either order.
  enum class ListOrder { kNewestFirst, kOldestFirst };
  Result<Page<KeyState>> ListKeys(const std::string& org_id, const KeyFilter& filter,
                                  const std::optional<std::string>& cursor, size_t limit, Millis now,
                                  ListOrder order = ListOrder::kNewestFirst) const;
  // The cursor naming the key's own position in its org's listing (what a page ending on it
  // would return as next_cursor).
  static std::string ListCursorOf(const KeyState& key);
  struct IdempotencyRecord {
    std::string key_id;
    std::string request_sha256;
    Millis created_at = 0;
  };
  std::optional<IdempotencyRecord> FindIdempotent(const std::string& idempotency_key_sha256) const;
  // Active keys whose expires_at <= now, oldest first (for the expiry sweeper).
  std::vector<std::string> KeysDueToExpire(Millis now, size_t limit) const;
  // Keys whose credit refill is due at or before now.
  std::vector<std::string> KeysDueToRefill(Millis now, size_t limit) const;
  // Keys with a derived warning (KeyExpiringSoon, KeyCreditsLow) due at or before now.
  std::vector<std::string> KeysDueForWarning(Millis now, size_t limit) const;
  Result<Page<OrgState>> ListOrgs(const std::optional<std::string>& cursor, size_t limit) const;

 private:
  storage::Database* db_;
  const UsageTracker* usage_;
  StateCache* cache_;
  KeyColumnFamilies cf_;
  rocksdb::ColumnFamilyHandle* meta_;  // the projections' meta column family (checkpoint, marks)
  mutable std::atomic<bool> imported_keys_seen_{false};
};

}  // namespace kl::projections
