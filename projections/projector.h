// Folds events into the read models (keys by id / org / secret hash, orgs). It runs inside the
// log's writer (as its BatchFolder), so every projection write and its checkpoint share the
// WriteBatch of the events they fold; CatchUp folds whatever the checkpoint has not seen yet.
#pragma once
#include <string>
#include <vector>

#include "projections/key_column_families.h"
#include "projections/state_cache.h"
#include "projections/usage_tracker.h"
#include "projections/validation_index.h"
#include "storage/batch_folder.h"
#include "storage/database.h"
#include "storage/event_log.h"

namespace kl::projections {

inline constexpr const char* kKeysCf = "p_keys";            // key_id -> KeyState
inline constexpr const char* kKeysByHashCf = "p_key_hash";  // sha256 (32 raw bytes) -> key_id
// org '\0' BE64(~created_seq) key_id -> KeyState, the same bytes as in p_keys: a listing reads an
// org's keys in one pass instead of one point read per key, which missed the block cache at 1M keys.
inline constexpr const char* kKeysByOrgCf = "p_key_org";
inline constexpr const char* kKeyExpiryCf = "p_key_exp";   // BE64(expires_at) key_id -> "" (active keys)
inline constexpr const char* kKeyRefillCf = "p_key_refill"; // BE64(next refill) key_id -> ""
inline constexpr const char* kIdempotencyCf = "p_idem";   // sha256(org, Idempotency-Key) -> record
inline constexpr const char* kOrgsCf = "p_orgs";            // org_id -> OrgState
inline constexpr const char* kProjMetaCf = "p_meta";        // "checkpoint" -> BE64(seq), "format"
// In kProjMetaCf once any imported key exists (docs/spec.md, Importing keys): until then a secret
// without keyledger's format is MALFORMED with no lookup.
inline constexpr const char* kImportedKeysMark = "imported_keys";
inline constexpr const char* kKeyWarnCf = "p_key_warn";    // BE64(next warning due) key_id -> ""

// What the projections hold for a given log. Bumped when that changes (2: the warning
// bookkeeping in key states and p_key_warn, and the webhooks projection; 3: key states in
// p_key_org), so that `serve`
// rebuilds projections written by an older version from the log instead of serving (and
// `verify` flagging) a stale fold.
inline constexpr uint64_t kProjectionFormat = 3;
// False when the database holds projections (a checkpoint) of another format.
bool ProjectionFormatIsCurrent(const storage::Database& db);
// At start: drops projections of another format (true if it did), for CatchUp to refold from the
// log. Nothing may hold column family handles of the projections across this call.
Result<bool> DropStaleProjections(storage::Database& db);

const std::vector<std::string>& ColumnFamilies();

class Projector final : public storage::BatchFolder {
 public:
  // `usage` (optional) hears of every committed event, to keep live gate counters exact.
  // `cache` (optional) is told of every committed event, to drop what it changed.
  // `index` (optional) applies every committed batch before the writer is answered.
  explicit Projector(storage::Database* db, UsageTracker* usage = nullptr, StateCache* cache = nullptr,
                     ValidationIndex* index = nullptr);

  Status Fold(const Event& event, rocksdb::WriteBatchWithIndex& batch) override;
  void RecordCheckpoint(uint64_t seq, rocksdb::WriteBatchWithIndex& batch) override;
  void Committed(const std::vector<const Event*>& events) override;
  uint64_t Checkpoint() const;
  // Folds every event after the checkpoint, in batches. Returns events folded.
  Result<uint64_t> CatchUp(const storage::EventLog& log, const std::function<void(uint64_t)>& progress = {});
  // Rebuilds empty projections from the whole log (replay): folds in memory and writes each
  // key's and org's final state once, instead of reading and rewriting it per event. Produces
  // exactly what CatchUp would. Returns events folded.
  Result<uint64_t> Rebuild(const storage::EventLog& log, const std::function<void(uint64_t)>& progress = {});

 private:
  storage::Database* db_;
  UsageTracker* usage_;
  StateCache* cache_;
  ValidationIndex* index_;
  KeyColumnFamilies cf_;
  rocksdb::ColumnFamilyHandle* meta_;
  rocksdb::ColumnFamilyHandle* webhooks_;
};

std::string ExpiryKey(Millis expires_at, const std::string& key_id);
std::string KeysByOrgKey(const std::string& org_id, uint64_t created_seq, const std::string& key_id);

}  // namespace kl::projections
