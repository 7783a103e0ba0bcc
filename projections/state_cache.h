// An in-memory cache of projected keys (by secret hash) and orgs, for the hot paths that read
// them on every request: validation and management-key authentication. The RocksDB projection
// stays the truth. Entries are filled on a read miss and dropped by the projector once a batch
// that touches them has committed; a fill that raced such a commit is not kept (generation
// check), so a reader can never pin a state older than the log.
#pragma once
#include <array>
#include <cstring>
#include <atomic>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <cstdint>
#include <string>
#include <unordered_map>

#include "domain/crypto.h"
#include "domain/event.h"
#include "domain/key.h"
#include "domain/org.h"

namespace kl::projections {

// The bytes one cached key takes: its KeyState with every heap block it owns, the shared_ptr
// block holding it, its map node and its id -> hash entry. An estimate from the sizes of the
// parts, checked against malloc's own count in tests/unit/projections/state_cache_test.cc.
size_t KeyFootprint(const KeyState& key);

class StateCache {
 public:
  using KeyPtr = std::shared_ptr<const KeyState>;
  using OrgPtr = std::shared_ptr<const OrgState>;

  // `max_keys` and `max_bytes` bound the cached keys: beyond either, arbitrary entries of the
  // shard go. Bytes are each entry's estimated footprint (KeyFootprint), so memory stays
  // predictable whatever the keys hold (docs/performance.md, "Memory per cached key").
  explicit StateCache(size_t max_keys = 200000, size_t max_bytes = SIZE_MAX);

  // The key whose secret hashes to `hash`, loading it with `load` on a miss. Null: no such key.
  KeyPtr KeyByHash(const Hash32& hash, const std::function<std::optional<KeyState>()>& load);
  OrgPtr Org(const std::string& org_id, const std::function<std::optional<OrgState>()>& load);

  // The projector's commit hook: forget whatever these committed events changed.
  void Invalidate(const Event& event);

  size_t KeyCount() const;
  // The estimated bytes the cached keys take (the sum of their KeyFootprint).
  size_t KeyBytes() const;
  // Changes whenever a committed event may have changed a key or an org: equal readings mean
  // nothing was committed in between.
  uint64_t Generation() const { return generation_.load(std::memory_order_acquire); }

 private:
  struct HashOf {
    size_t operator()(const Hash32& h) const noexcept {
      size_t v;
      std::memcpy(&v, h.data(), sizeof v);  // a SHA-256 is already uniformly distributed
      return v;
    }
  };
  struct Entry {
    KeyPtr key;
    size_t bytes = 0;  // KeyFootprint at fill
  };
  struct KeyShard {
    mutable std::mutex mu;
    std::unordered_map<Hash32, Entry, HashOf> by_hash;
    size_t bytes = 0;
  };
  static constexpr size_t kShards = 64;
  KeyShard& ShardOf(const Hash32& h) { return key_shards_[h[31] % kShards]; }

  size_t max_per_shard_;
  size_t max_bytes_per_shard_;
  // Bumped before entries are dropped: a fill that read the projection before a commit it
  // did not see finds a new generation and is not kept.
  std::atomic<uint64_t> generation_{0};
  std::array<KeyShard, kShards> key_shards_;
  // key id -> secret hash, for cached keys only: events name keys by id. Lock order: a shard,
  // then ids_mu_.
  std::mutex ids_mu_;
  std::unordered_map<std::string, Hash32> hash_of_id_;
  std::mutex orgs_mu_;
  std::unordered_map<std::string, OrgPtr> orgs_;
};

}  // namespace kl::projections
