#include "projections/state_cache.h"

#include <algorithm>
#include <cstring>

namespace kl::projections {

namespace {

// A heap block of `n` bytes costs malloc its size rounded up to 16, plus an 8-byte header.
size_t Block(size_t n) { return n == 0 ? 0 : ((n + 8 + 15) / 16) * 16; }
// A std::string's heap block (none while it fits the 15 bytes kept inline).
size_t Heap(const std::string& s) { return s.capacity() > 15 ? Block(s.capacity() + 1) : 0; }
size_t Heap(const std::optional<std::string>& s) { return s ? Heap(*s) : 0; }
size_t Heap(const std::vector<std::string>& v) {
  size_t n = Block(v.capacity() * sizeof(std::string));
  for (const auto& s : v) n += Heap(s);
  return n;
}
size_t Heap(const nlohmann::json& j) {
  switch (j.type()) {
    case nlohmann::json::value_t::object: {
      size_t n = Block(sizeof(nlohmann::json::object_t));
      for (const auto& [k, v] : j.items())  // a std::map node: links, key, value
        n += Block(32 + sizeof(std::string) + sizeof(nlohmann::json)) + Heap(std::string(k)) + Heap(v);
      return n;
    }
    case nlohmann::json::value_t::array: {
      size_t n = Block(sizeof(nlohmann::json::array_t)) + Block(j.size() * sizeof(nlohmann::json));
      for (const auto& v : j) n += Heap(v);
      return n;
    }
    case nlohmann::json::value_t::string:
      return Block(sizeof(std::string)) + Heap(j.get_ref<const std::string&>());
    default:
      return 0;
  }
}

}  // namespace

size_t KeyFootprint(const KeyState& k) {
  // make_shared: one block for the control block and the state.
  size_t n = Block(sizeof(KeyState) + 16);
  for (const std::string* s : {&k.id, &k.org_id, &k.name, &k.secret_hash_hex, &k.obfuscated_value, &k.prefix,
                               &k.environment, &k.permission_set, &k.status, &k.owner.type, &k.owner.id,
                               &k.created_by.type, &k.created_by.id})
    n += Heap(*s);
  for (const std::optional<std::string>* s : {&k.description, &k.project_id, &k.revoke_reason, &k.rotated_from,
                                              &k.rotated_to, &k.last_used_ip, &k.last_used_user_agent,
                                              &k.expiry_warned_window})
    n += Heap(*s);
  n += Heap(k.permissions) + Heap(k.ip_allowlist) + Heap(k.roles) + Heap(k.metadata);
  if (k.credits && k.credits->refill) n += Heap(k.credits->refill->interval);
  // The by-hash map's node (hash, entry, link, cached hash code) and its bucket slot; the id ->
  // hash map's node with its own copy of the id.
  n += Block(8 + sizeof(Hash32) + sizeof(std::shared_ptr<const KeyState>) + sizeof(size_t) + 8) + 8;
  n += Block(8 + sizeof(std::string) + sizeof(Hash32) + 8) + Heap(k.id) + 8;
  return n;
}

StateCache::StateCache(size_t max_keys, size_t max_bytes)
    : max_per_shard_(std::max<size_t>(1, max_keys / kShards)),
      max_bytes_per_shard_(max_bytes == SIZE_MAX ? SIZE_MAX : std::max<size_t>(1, max_bytes / kShards)) {}

StateCache::KeyPtr StateCache::KeyByHash(const Hash32& hash, const std::function<std::optional<KeyState>()>& load) {
  KeyShard& shard = ShardOf(hash);
  {
    std::lock_guard lock(shard.mu);
    auto it = shard.by_hash.find(hash);
    if (it != shard.by_hash.end()) return it->second.key;
  }
  uint64_t generation = generation_.load(std::memory_order_acquire);
  auto loaded = load();
  if (!loaded) return nullptr;  // unknown secrets are not cached: the set of them is unbounded
  auto key = std::make_shared<const KeyState>(std::move(*loaded));
  size_t bytes = KeyFootprint(*key);
  if (bytes > max_bytes_per_shard_) return key;  // bigger than the shard's whole budget: not kept
  std::lock_guard lock(shard.mu);
  {
    // The generation check and the id mapping happen under ids_mu_, which Invalidate holds while
    // it bumps the generation and looks the id up: either this fill is kept and the next
    // invalidation finds it by id, or an invalidation came first and the fill is not kept.
    std::lock_guard ids(ids_mu_);
    if (generation_.load(std::memory_order_acquire) != generation) return key;  // raced a commit
    if (auto old = shard.by_hash.find(hash); old != shard.by_hash.end()) {
      shard.bytes -= old->second.bytes;
      shard.by_hash.erase(old);
    }
    while (!shard.by_hash.empty() &&
           (shard.by_hash.size() >= max_per_shard_ || shard.bytes + bytes > max_bytes_per_shard_)) {
      auto victim = shard.by_hash.begin();
      hash_of_id_.erase(victim->second.key->id);
      shard.bytes -= victim->second.bytes;
      shard.by_hash.erase(victim);
    }
    hash_of_id_[key->id] = hash;
  }
  // Still under the shard lock, which Invalidate takes before erasing.
  shard.by_hash[hash] = Entry{key, bytes};
  shard.bytes += bytes;
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
  if (auto it = shard.by_hash.find(*hash); it != shard.by_hash.end()) {
    shard.bytes -= it->second.bytes;
    shard.by_hash.erase(it);
  }
}

size_t StateCache::KeyBytes() const {
  size_t n = 0;
  for (const auto& s : key_shards_) {
    std::lock_guard lock(s.mu);
    n += s.bytes;
  }
  return n;
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
