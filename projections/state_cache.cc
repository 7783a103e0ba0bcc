#include "projections/state_cache.h"

#include <cstring>

namespace kl::projections {

StateCache::StateCache(size_t max_keys) : max_per_shard_(std::max<size_t>(1, max_keys / kShards)) {}

StateCache::KeyPtr StateCache::KeyByHash(const Hash32& hash, const std::function<std::optional<KeyState>()>& load) {
  KeyShard& shard = ShardOf(hash);
  {
    std::lock_guard lock(shard.mu);
    auto it = shard.by_hash.find(hash);
    if (it != shard.by_hash.end()) return it->second;
  }
  uint64_t generation = generation_.load(std::memory_order_acquire);
  auto loaded = load();
  if (!loaded) return nullptr;  // unknown secrets are not cached: the set of them is unbounded
  auto key = std::make_shared<const KeyState>(std::move(*loaded));
  std::lock_guard lock(shard.mu);
  {
    // The generation check and the id mapping happen under ids_mu_, which Invalidate holds while
    // it bumps the generation and looks the id up: either this fill is kept and the next
    // invalidation finds it by id, or an invalidation came first and the fill is not kept.
    std::lock_guard ids(ids_mu_);
    if (generation_.load(std::memory_order_acquire) != generation) return key;  // raced a commit
    if (shard.by_hash.size() >= max_per_shard_ && !shard.by_hash.count(hash)) {
      auto victim = shard.by_hash.begin();
      hash_of_id_.erase(victim->second->id);
      shard.by_hash.erase(victim);
    }
    hash_of_id_[key->id] = hash;
  }
  shard.by_hash[hash] = key;  // still under the shard lock, which Invalidate takes before erasing
  return key;
}

StateCache::OrgPtr StateCache::Org(const std::string& org_id, const std::function<std::optional<OrgState>()>& load) {
  {
    std::lock_guard lock(orgs_mu_);
    auto it = orgs_.find(org_id);
    if (it != orgs_.end()) return it->second;
  }
  uint64_t generation = generation_.load(std::memory_order_acquire);
  auto loaded = load();
  if (!loaded) return nullptr;
  auto org = std::make_shared<const OrgState>(std::move(*loaded));
  std::lock_guard lock(orgs_mu_);
  if (generation_.load(std::memory_order_acquire) == generation) orgs_[org_id] = org;
  return org;
}

void StateCache::Invalidate(const Event& event) {
  if (!event.key_id) {
    generation_.fetch_add(1, std::memory_order_acq_rel);
    std::lock_guard lock(orgs_mu_);
    orgs_.erase(event.org_id);
    return;
  }
  std::optional<Hash32> hash;
  {
    std::lock_guard lock(ids_mu_);
    generation_.fetch_add(1, std::memory_order_acq_rel);
    auto it = hash_of_id_.find(*event.key_id);
    if (it == hash_of_id_.end()) return;
    hash = it->second;
    hash_of_id_.erase(it);
  }
  KeyShard& shard = ShardOf(*hash);
  std::lock_guard lock(shard.mu);
  shard.by_hash.erase(*hash);
}

size_t StateCache::KeyCount() const {
  size_t n = 0;
  for (const auto& s : key_shards_) {
    std::lock_guard lock(s.mu);
    n += s.by_hash.size();
  }
  return n;
}

}  // namespace kl::projections
