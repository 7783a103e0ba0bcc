// A read-optimised index for the validation hot path: a flat open-addressing table keyed by the
// secret's SHA-256, one 64-byte record per key (full hash, status, expiry, permission bits, org
// slot), read without locks under a per-record seqlock. It answers a validation's code (docs/spec.md, Validation:
// TENANT_INACTIVE .. INSUFFICIENT_PERMISSIONS, exactly as CheckKeyForUse) from the record alone;
// the key's full state (for the answer, the usage gates) sits beside it.
//
// The RocksDB read model stays the truth: a miss loads from it (and fills the index), so the
// index is correct cold, warm or full. The projector's commit hook applies every committed event
// (ApplyCommitted) before the writer is answered, and a fill that raced a commit is not kept
// (generation check): no reader that starts after an acknowledged commit sees an older state.
#pragma once
#include <array>
#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "domain/cidr.h"
#include "domain/event.h"
#include "domain/key.h"
#include "domain/org.h"
#include "projections/permission_bits.h"

namespace kl::projections {

using KeyLoader = std::function<std::optional<KeyState>(const Hash32& secret_hash)>;
using OrgLoader = std::function<std::optional<OrgState>(const std::string& org_id)>;

// What a validation requires, prepared once per request (interned permission bits).
struct Requirement {
  RequiredBits bits;
  const std::vector<std::string>* names = nullptr;  // the strings, for the full-state check
};

// The answer without the key's full state. `org_id` is set whenever the key was found (the
// caller's tenancy check); it points into the index and lives as long as it.
struct IndexVerdict {
  ValidationCode code = ValidationCode::kNotFound;
  const std::string* org_id = nullptr;
};

// The answer with the key's full state (null when not found), for rendering and usage gates.
struct IndexValidation {
  ValidationCode code = ValidationCode::kNotFound;
  std::shared_ptr<const KeyState> key;
};

class ValidationIndex {
 public:
  // `max_keys` bounds the keys held (memory: about 80 bytes of table per key slot, two slots per
  // key, plus each key's state); beyond it a fill or a creation replaces a key in its probe path.
  ValidationIndex(size_t max_keys, KeyLoader load_key, OrgLoader load_org);
  ~ValidationIndex();
  ValidationIndex(const ValidationIndex&) = delete;
  ValidationIndex& operator=(const ValidationIndex&) = delete;

  // `permissions` must outlive the Requirement (it is kept by pointer, not copied, per request);
  // a default Requirement requires nothing.
  Requirement Require(const std::vector<std::string>& permissions) const;
  Requirement Require(std::vector<std::string>&&) const = delete;

  // Starts loading the record `secret_hash` would be found at, and returns at once. A lookup in a
  // large index is one memory miss (~100-350 ns): a caller with other work before Decide (the
  // rest of the request, or more requests in hand) overlaps it with that work.
  void Prefetch(const Hash32& secret_hash) const;

  // The code only: lock-free on a hit (the fast path the bench measures).
  IndexVerdict Decide(const Hash32& secret_hash, const Requirement& required, Millis now,
                      const std::optional<IpAddress>& ip = std::nullopt);
  // The code and the key's state (a short per-stripe lock to copy the state's pointer).
  IndexValidation Validate(const Hash32& secret_hash, const Requirement& required, Millis now,
                           const std::optional<IpAddress>& ip = std::nullopt);

  // The projector's commit hook: applies the committed events to the keys and orgs held.
  void ApplyCommitted(const std::vector<const Event*>& events);
  // Drops everything (after a CatchUp or Rebuild that bypassed the commit hook).
  void Clear();
  // Warms the index with a state read from an up-to-date projection (before serving).
  void Preload(std::shared_ptr<const KeyState> key, const OrgState& org);

  size_t KeyCount() const;
  size_t Capacity() const { return capacity_; }

 private:
  struct Record;
  struct Snapshot;
  struct OrgEntry;
  struct Found {
    uint32_t slot;
    uint64_t meta;
    int64_t expires_at;
    uint64_t permissions;
  };

  std::optional<Found> Probe(const Hash32& h) const;
  IndexValidation LoadAndFill(const Hash32& h, const Requirement& required, Millis now,
                              const std::optional<IpAddress>& ip);
  std::shared_ptr<const KeyState> StateAt(uint32_t slot, const Hash32& h, Found* found) const;
  const OrgEntry* OrgAt(uint32_t org_slot) const;
  std::atomic<uint8_t>* OrgStateAt(uint32_t org_slot) const;
  // Writer side (writer_mu_ held). `fresh`: no commit ran since `org` was read.
  std::optional<uint32_t> OrgSlot(const OrgState& org, bool fresh);
  void Put(const Hash32& h, std::shared_ptr<const KeyState> key, uint32_t org_slot);
  void PublishKey(uint32_t slot, const Hash32& h, std::shared_ptr<const KeyState> key, uint32_t org_slot);
  void Publish(uint32_t slot, uint64_t meta, const Hash32* h, int64_t expires_at, uint64_t permissions,
               std::shared_ptr<const KeyState> state);
  void Remove(uint32_t slot);
  void ApplyKeyEvent(const Event& e);
  void ApplyOrgEvent(const Event& e);

  const size_t max_keys_;
  const size_t capacity_;  // a power of two, at least twice max_keys_
  KeyLoader load_key_;
  OrgLoader load_org_;
  Record* records_;
  // Each slot's full state; a slot's record and state change together under its stripe lock.
  std::unique_ptr<std::shared_ptr<const KeyState>[]> states_;
  static constexpr size_t kStripes = 256;
  mutable std::array<std::mutex, kStripes> stripes_;

  std::mutex writer_mu_;  // serialises every change
  // Bumped by every commit: a fill whose load started before it is not kept.
  std::atomic<uint64_t> generation_{0};
  std::atomic<size_t> count_{0};
  size_t used_ = 0;          // occupied slots and tombstones (writer side)
  size_t evict_cursor_ = 0;  // where the next eviction looks, when a full table has no victim nearby
  std::unordered_map<std::string, uint32_t> slot_of_key_id_;  // events name keys by id

  PermissionBits permissions_;

  // Orgs never leave the table (keys point at their slot); chunks never move once published.
  static constexpr size_t kOrgChunk = 4096, kMaxOrgChunks = 4096;
  std::array<std::atomic<OrgEntry*>, kMaxOrgChunks> org_chunks_{};
  std::array<std::atomic<std::atomic<uint8_t>*>, kMaxOrgChunks> org_state_chunks_{};  // what readers read
  size_t org_count_ = 0;
  std::unordered_map<std::string, uint32_t> org_slot_of_id_;
};

}  // namespace kl::projections
