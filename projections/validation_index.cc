#include "projections/validation_index.h"

#include <sys/mman.h>

#include <bit>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <new>
#include <type_traits>

#include "domain/crypto.h"

namespace kl::projections {

namespace {

// Record flags (the low byte of `meta`; the org slot is the high 32 bits). meta == 0: empty.
constexpr uint64_t kOccupied = 1, kTombstone = 2, kRevoked = 4, kExpired = 8, kDisabled = 16;
// The record alone cannot answer: an IP allowlist, permissions beyond the 64 interned, or a status
// this table does not know. The key's full state decides (CheckKeyForUse).
constexpr uint64_t kFullCheck = 32;
constexpr int64_t kNeverExpires = std::numeric_limits<int64_t>::max();

// Org entry states, read by validations without a lock.
constexpr uint8_t kOrgActive = 0, kOrgDecommissioning = 1, kOrgUnknown = 2;  // unknown: reload it

uint8_t OrgStateOf(const OrgState& org) { return org.status == "decommissioning" ? kOrgDecommissioning : kOrgActive; }

inline void CpuRelax() {
#if defined(__x86_64__) || defined(__i386__)
  __builtin_ia32_pause();
#endif
}

struct HashWords {
  uint64_t w[4];
  explicit HashWords(const Hash32& h) { std::memcpy(w, h.data(), sizeof w); }
};

const std::vector<std::string>& NamesOf(const Requirement& r) {
  static const std::vector<std::string> kNone;
  return r.names ? *r.names : kNone;
}

}  // namespace

// One cache line. Every field is an atomic word so a reader may copy it while a writer changes
// it; the seqlock tells the reader whether its copy is whole.
struct alignas(64) ValidationIndex::Record {
  std::atomic<uint64_t> seq{0};  // odd while a writer changes the record
  std::atomic<uint64_t> hash[4] = {};
  std::atomic<int64_t> expires_at{0};
  std::atomic<uint64_t> permissions{0};
  std::atomic<uint64_t> meta{0};
};

struct ValidationIndex::OrgEntry {
  std::string id;                    // set once, before the slot is published
  OrgState org;                      // writer side only: what commits evolve
};

namespace {

// The table on 2 MiB pages where the kernel allows it (transparent huge pages in madvise mode): a
// lookup at a random slot of a 128 MiB table otherwise pays a TLB miss (a page walk, doubly so
// under virtualisation) on top of its cache miss.
constexpr size_t kHugePage = 2u << 20;

void* AllocateTable(size_t bytes) {
  size_t rounded = (bytes + kHugePage - 1) / kHugePage * kHugePage;
  void* p = std::aligned_alloc(kHugePage, rounded);
  if (!p) throw std::bad_alloc();
#ifdef MADV_HUGEPAGE
  madvise(p, rounded, MADV_HUGEPAGE);  // advisory: without it, the same table on 4 KiB pages
#endif
  return p;
}

}  // namespace

ValidationIndex::ValidationIndex(size_t max_keys, KeyLoader load_key, OrgLoader load_org)
    : max_keys_(std::max<size_t>(1, max_keys)),
      capacity_(std::bit_ceil(std::max<size_t>(16, 2 * max_keys_))),
      load_key_(std::move(load_key)),
      load_org_(std::move(load_org)),
      records_(static_cast<Record*>(AllocateTable(capacity_ * sizeof(Record)))),
      states_(new std::shared_ptr<const KeyState>[capacity_]) {
  for (size_t i = 0; i < capacity_; ++i) new (&records_[i]) Record();
}

ValidationIndex::~ValidationIndex() {
  static_assert(std::is_trivially_destructible_v<Record>);
  std::free(records_);
  for (auto& chunk : org_chunks_) delete[] chunk.load();
  for (auto& chunk : org_state_chunks_) delete[] chunk.load();
}

Requirement ValidationIndex::Require(const std::vector<std::string>& permissions) const {
  return Requirement{permissions_.Require(permissions), &permissions};
}

// ---- Readers ---------------------------------------------------------------------------------

std::optional<ValidationIndex::Found> ValidationIndex::Probe(const Hash32& h) const {
  const HashWords want(h);
  const size_t mask = capacity_ - 1;
  size_t i = want.w[0] & mask;  // a SHA-256 is already uniform
  for (size_t n = 0; n < capacity_; ++n, i = (i + 1) & mask) {
    const Record& r = records_[i];
    for (;;) {
      uint64_t s1 = r.seq.load(std::memory_order_acquire);
      if (s1 & 1) {
        CpuRelax();
        continue;
      }
      uint64_t meta = r.meta.load(std::memory_order_relaxed);
      uint64_t h0 = r.hash[0].load(std::memory_order_relaxed), h1 = r.hash[1].load(std::memory_order_relaxed),
               h2 = r.hash[2].load(std::memory_order_relaxed), h3 = r.hash[3].load(std::memory_order_relaxed);
      int64_t expires_at = r.expires_at.load(std::memory_order_relaxed);
      uint64_t permissions = r.permissions.load(std::memory_order_relaxed);
      std::atomic_thread_fence(std::memory_order_acquire);
      if (r.seq.load(std::memory_order_relaxed) != s1) continue;  // torn: read it again
      if (meta == 0) return std::nullopt;                         // an empty slot ends the chain
      if ((meta & kOccupied) && h0 == want.w[0] && h1 == want.w[1] && h2 == want.w[2] && h3 == want.w[3])
        return Found{static_cast<uint32_t>(i), meta, expires_at, permissions};
      break;
    }
  }
  return std::nullopt;
}

std::atomic<uint8_t>* ValidationIndex::OrgStateAt(uint32_t org_slot) const {
  std::atomic<uint8_t>* chunk = org_state_chunks_[org_slot / kOrgChunk].load(std::memory_order_acquire);
  return chunk ? &chunk[org_slot % kOrgChunk] : nullptr;
}

void ValidationIndex::Prefetch(const Hash32& h) const {
  uint64_t home;
  std::memcpy(&home, h.data(), sizeof home);
  size_t slot = home & (capacity_ - 1);
  __builtin_prefetch(&records_[slot]);
  // At half load, a key sits past its home slot about a third of the time: usually the next one.
  __builtin_prefetch(&records_[(slot + 1) & (capacity_ - 1)]);
}

const ValidationIndex::OrgEntry* ValidationIndex::OrgAt(uint32_t org_slot) const {
  const OrgEntry* chunk = org_chunks_[org_slot / kOrgChunk].load(std::memory_order_acquire);
  return chunk ? &chunk[org_slot % kOrgChunk] : nullptr;
}

// The record and the state of `slot` as one consistent pair (writers change both under the
// stripe lock); null when the slot no longer holds `h`.
std::shared_ptr<const KeyState> ValidationIndex::StateAt(uint32_t slot, const Hash32& h, Found* found) const {
  const HashWords want(h);
  const Record& r = records_[slot];
  std::lock_guard lock(stripes_[slot % kStripes]);
  uint64_t meta = r.meta.load(std::memory_order_relaxed);
  for (int k = 0; k < 4; ++k)
    if (r.hash[k].load(std::memory_order_relaxed) != want.w[k]) return nullptr;
  if (!(meta & kOccupied)) return nullptr;
  if (found) *found = Found{slot, meta, r.expires_at.load(std::memory_order_relaxed),
                            r.permissions.load(std::memory_order_relaxed)};
  return states_[slot];
}

namespace {

// CheckKeyForUse, from a record: the same checks in the same order. `full_check` when the record
// cannot answer alone.
ValidationCode CodeOf(uint64_t meta, int64_t expires_at, uint64_t permissions, bool org_decommissioning,
                      const RequiredBits& required, Millis now, bool* full_check) {
  *full_check = false;
  if (org_decommissioning) return ValidationCode::kTenantInactive;
  if (meta & kFullCheck) {
    *full_check = true;
    return ValidationCode::kValid;
  }
  if (meta & kRevoked) return ValidationCode::kRevoked;
  if (meta & kExpired) return ValidationCode::kExpired;
  if (now >= expires_at) return ValidationCode::kExpired;
  if (meta & kDisabled) return ValidationCode::kDisabled;
  // A permission unknown to the table may have been interned since the Requirement was made:
  // the key's own list decides (rare: requests for permissions no key held).
  if (required.unknown) {
    *full_check = true;
    return ValidationCode::kValid;
  }
  if ((required.bits & ~permissions) != 0) return ValidationCode::kInsufficientPermissions;
  return ValidationCode::kValid;
}

}  // namespace

IndexVerdict ValidationIndex::Decide(const Hash32& h, const Requirement& required, Millis now,
                                     const std::optional<IpAddress>& ip) {
  if (auto f = Probe(h)) {
    // The org's state sits in a compact byte array (10k orgs: 10 KB, cache-resident); its entry
    // is only addressed, not read, on this path.
    uint32_t org_slot = static_cast<uint32_t>(f->meta >> 32);
    const std::atomic<uint8_t>* org_status_byte = OrgStateAt(org_slot);
    uint8_t org_state = org_status_byte ? org_status_byte->load(std::memory_order_acquire) : kOrgUnknown;
    const OrgEntry* org = OrgAt(org_slot);
    if (org_state != kOrgUnknown) {
      bool full = false;
      ValidationCode code =
          CodeOf(f->meta, f->expires_at, f->permissions, org_state == kOrgDecommissioning, required.bits, now, &full);
      if (!full) return IndexVerdict{code, &org->id};
      if (auto key = StateAt(f->slot, h, nullptr)) {
        const char* org_status = org_state == kOrgDecommissioning ? "decommissioning" : "active";
        return IndexVerdict{CheckKeyForUse(*key, org_status, now, NamesOf(required), ip), &org->id};
      }
    }
  }
  IndexValidation v = LoadAndFill(h, required, now, ip);
  IndexVerdict verdict{v.code, nullptr};
  if (v.key) {
    std::lock_guard lock(writer_mu_);
    auto it = org_slot_of_id_.find(v.key->org_id);
    if (it != org_slot_of_id_.end()) verdict.org_id = &OrgAt(it->second)->id;
  }
  return verdict;
}

IndexValidation ValidationIndex::Validate(const Hash32& h, const Requirement& required, Millis now,
                                          const std::optional<IpAddress>& ip) {
  if (auto f = Probe(h)) {
    // The org's state sits in a compact byte array (10k orgs: 10 KB, cache-resident); its entry
    // is only addressed, not read, on this path.
    uint32_t org_slot = static_cast<uint32_t>(f->meta >> 32);
    const std::atomic<uint8_t>* org_status_byte = OrgStateAt(org_slot);
    uint8_t org_state = org_status_byte ? org_status_byte->load(std::memory_order_acquire) : kOrgUnknown;
    Found consistent{};
    auto key = org_state == kOrgUnknown ? nullptr : StateAt(f->slot, h, &consistent);
    if (key) {
      bool full = false;
      ValidationCode code = CodeOf(consistent.meta, consistent.expires_at, consistent.permissions,
                                   org_state == kOrgDecommissioning, required.bits, now, &full);
      if (full) {
        const char* org_status = org_state == kOrgDecommissioning ? "decommissioning" : "active";
        code = CheckKeyForUse(*key, org_status, now, NamesOf(required), ip);
      }
      return IndexValidation{code, std::move(key)};
    }
  }
  return LoadAndFill(h, required, now, ip);
}

// A miss: the read model answers, and the index keeps what it read unless a commit ran meanwhile.
IndexValidation ValidationIndex::LoadAndFill(const Hash32& h, const Requirement& required, Millis now,
                                             const std::optional<IpAddress>& ip) {
  uint64_t generation = generation_.load(std::memory_order_acquire);
  auto key = load_key_(h);
  if (!key) return {};  // unknown secrets are not kept: the set of them is unbounded
  auto org = load_org_(key->org_id);
  if (!org) return {};
  ValidationCode code = CheckKeyForUse(*key, org->status, now, NamesOf(required), ip);
  auto state = std::make_shared<const KeyState>(std::move(*key));
  std::lock_guard lock(writer_mu_);
  bool fresh = generation_.load(std::memory_order_acquire) == generation;
  auto org_slot = OrgSlot(*org, fresh);
  if (fresh && org_slot && !Probe(h)) Put(h, state, *org_slot);
  return IndexValidation{code, std::move(state)};
}

// ---- Writers (writer_mu_ held) ------------------------------------------------------------------

std::optional<uint32_t> ValidationIndex::OrgSlot(const OrgState& org, bool fresh) {
  if (auto it = org_slot_of_id_.find(org.id); it != org_slot_of_id_.end()) {
    OrgEntry& entry = const_cast<OrgEntry&>(*OrgAt(it->second));
    if (fresh) {
      entry.org = org;
      OrgStateAt(it->second)->store(OrgStateOf(org), std::memory_order_release);
    }
    return it->second;
  }
  if (org_count_ == kOrgChunk * kMaxOrgChunks) return std::nullopt;
  auto& chunk = org_chunks_[org_count_ / kOrgChunk];
  if (!chunk.load(std::memory_order_relaxed)) {
    org_state_chunks_[org_count_ / kOrgChunk].store(new std::atomic<uint8_t>[kOrgChunk](), std::memory_order_release);
    chunk.store(new OrgEntry[kOrgChunk], std::memory_order_release);
  }
  OrgEntry& entry = chunk.load(std::memory_order_relaxed)[org_count_ % kOrgChunk];
  entry.id = org.id;
  entry.org = org;
  // A status read before a commit it did not see is not trusted: readers reload it.
  uint32_t slot = static_cast<uint32_t>(org_count_++);
  OrgStateAt(slot)->store(fresh ? OrgStateOf(org) : kOrgUnknown, std::memory_order_release);
  org_slot_of_id_.emplace(org.id, slot);
  return slot;
}

void ValidationIndex::Publish(uint32_t slot, uint64_t meta, const Hash32* h, int64_t expires_at,
                              uint64_t permissions, std::shared_ptr<const KeyState> state) {
  Record& r = records_[slot];
  {
    std::lock_guard lock(stripes_[slot % kStripes]);
    uint64_t s = r.seq.load(std::memory_order_relaxed);
    r.seq.store(s + 1, std::memory_order_relaxed);
    std::atomic_thread_fence(std::memory_order_release);
    uint64_t w[4] = {0, 0, 0, 0};
    if (h) std::memcpy(w, h->data(), sizeof w);
    for (int k = 0; k < 4; ++k) r.hash[k].store(w[k], std::memory_order_relaxed);
    r.expires_at.store(expires_at, std::memory_order_relaxed);
    r.permissions.store(permissions, std::memory_order_relaxed);
    r.meta.store(meta, std::memory_order_relaxed);
    r.seq.store(s + 2, std::memory_order_release);
    states_[slot].swap(state);
  }
  // `state` now holds the replaced one: freed here, outside the stripe lock.
}

void ValidationIndex::PublishKey(uint32_t slot, const Hash32& h, std::shared_ptr<const KeyState> key,
                                 uint32_t org_slot) {
  uint64_t flags = kOccupied;
  if (key->status == "revoked") flags |= kRevoked;
  else if (key->status == "expired") flags |= kExpired;
  else if (key->status != "active") flags |= kFullCheck;
  if (!key->enabled) flags |= kDisabled;
  if (!key->ip_allowlist.empty()) flags |= kFullCheck;
  auto bits = permissions_.Intern(key->permissions);
  if (!bits) flags |= kFullCheck;
  slot_of_key_id_[key->id] = slot;
  int64_t expires_at = key->expires_at.value_or(kNeverExpires);
  Publish(slot, (uint64_t{org_slot} << 32) | flags, &h, expires_at, bits.value_or(0), std::move(key));
}

void ValidationIndex::Remove(uint32_t slot) {
  const size_t mask = capacity_ - 1;
  slot_of_key_id_.erase(states_[slot]->id);
  count_.fetch_sub(1, std::memory_order_relaxed);
  // A slot followed by an empty one ends every chain through it: it may become empty too (and so
  // may the tombstones just before it). Otherwise it stays a tombstone that lookups step over.
  if (records_[(slot + 1) & mask].meta.load(std::memory_order_relaxed) != 0) {
    Publish(slot, kTombstone, nullptr, 0, 0, nullptr);
    return;
  }
  Publish(slot, 0, nullptr, 0, 0, nullptr);
  --used_;
  for (size_t i = (slot - 1) & mask; records_[i].meta.load(std::memory_order_relaxed) == kTombstone;
       i = (i - 1) & mask) {
    Publish(static_cast<uint32_t>(i), 0, nullptr, 0, 0, nullptr);
    --used_;
  }
}

void ValidationIndex::Put(const Hash32& h, std::shared_ptr<const KeyState> key, uint32_t org_slot) {
  const size_t mask = capacity_ - 1;
  const HashWords want(h);
  constexpr uint32_t kNone = UINT32_MAX;
  uint32_t tombstone = kNone, occupied = kNone, empty = kNone;
  // The first tombstone and the first occupied slot on the key's probe path, and the empty one
  // that ends it.
  auto walk = [&] {
    tombstone = occupied = empty = kNone;
    size_t i = want.w[0] & mask;
    for (size_t n = 0; n < capacity_; ++n, i = (i + 1) & mask) {
      uint64_t meta = records_[i].meta.load(std::memory_order_relaxed);
      if (meta == 0) {
        empty = static_cast<uint32_t>(i);
        return;
      }
      if (meta == kTombstone && tombstone == kNone) tombstone = static_cast<uint32_t>(i);
      if ((meta & kOccupied) && occupied == kNone) occupied = static_cast<uint32_t>(i);
    }
  };
  walk();
  if (count_.load(std::memory_order_relaxed) >= max_keys_) {
    // Full: the new key replaces one on its own probe path (no chain is broken), or else the
    // next key of a rotating cursor makes room.
    if (occupied != kNone) {
      slot_of_key_id_.erase(states_[occupied]->id);
      PublishKey(occupied, h, std::move(key), org_slot);
      return;
    }
    for (size_t n = 0; n < capacity_; ++n, evict_cursor_ = (evict_cursor_ + 1) & mask) {
      if (records_[evict_cursor_].meta.load(std::memory_order_relaxed) & kOccupied) {
        Remove(static_cast<uint32_t>(evict_cursor_));
        break;
      }
    }
    walk();
  }
  uint32_t slot = tombstone;
  if (slot == kNone) {
    if (empty == kNone || used_ + 1 > capacity_ * 3 / 4) return;  // too many tombstones: the loader serves it
    slot = empty;
    ++used_;
  }
  PublishKey(slot, h, std::move(key), org_slot);
  count_.fetch_add(1, std::memory_order_relaxed);
}

void ValidationIndex::ApplyKeyEvent(const Event& e) {
  if (std::holds_alternative<KeyCreated>(e.data)) {
    // A new key is likely to be validated soon: hold it if its org is known.
    auto org = org_slot_of_id_.find(e.org_id);
    if (org == org_slot_of_id_.end()) return;
    std::optional<KeyState> created;
    EvolveKey(created, e);
    auto h = created ? HashFromHex(created->secret_hash_hex) : std::nullopt;
    if (!h || Probe(*h)) return;
    Put(*h, std::make_shared<const KeyState>(std::move(*created)), org->second);
    return;
  }
  auto it = slot_of_key_id_.find(*e.key_id);
  if (it == slot_of_key_id_.end()) return;
  uint32_t slot = it->second;
  const std::shared_ptr<const KeyState>& held = states_[slot];  // only writers change it
  if (held->version + 1 != e.stream_version) {  // missed an event: the read model answers next
    Remove(slot);
    return;
  }
  std::optional<KeyState> next(*held);
  EvolveKey(next, e);
  auto h = HashFromHex(next->secret_hash_hex);
  uint32_t org_slot = static_cast<uint32_t>(records_[slot].meta.load(std::memory_order_relaxed) >> 32);
  if (!h) {
    Remove(slot);
    return;
  }
  PublishKey(slot, *h, std::make_shared<const KeyState>(std::move(*next)), org_slot);
}

void ValidationIndex::ApplyOrgEvent(const Event& e) {
  auto it = org_slot_of_id_.find(e.org_id);
  if (it == org_slot_of_id_.end()) return;
  OrgEntry& entry = const_cast<OrgEntry&>(*OrgAt(it->second));
  std::atomic<uint8_t>& state = *OrgStateAt(it->second);
  if (state.load(std::memory_order_relaxed) == kOrgUnknown || entry.org.version + 1 != e.stream_version) {
    state.store(kOrgUnknown, std::memory_order_release);  // the read model answers next
    return;
  }
  std::optional<OrgState> next(entry.org);
  EvolveOrg(next, e);
  entry.org = *next;
  state.store(OrgStateOf(entry.org), std::memory_order_release);
}

void ValidationIndex::ApplyCommitted(const std::vector<const Event*>& events) {
  std::lock_guard lock(writer_mu_);
  // Before any change: a fill that loaded before this commit's write is not kept.
  generation_.fetch_add(1, std::memory_order_acq_rel);
  for (const Event* e : events) {
    if (e->key_id) ApplyKeyEvent(*e);
    else ApplyOrgEvent(*e);
  }
}

void ValidationIndex::Preload(std::shared_ptr<const KeyState> key, const OrgState& org) {
  auto h = HashFromHex(key->secret_hash_hex);
  if (!h) return;
  std::lock_guard lock(writer_mu_);
  auto org_slot = OrgSlot(org, true);
  if (org_slot && !Probe(*h)) Put(*h, std::move(key), *org_slot);
}

void ValidationIndex::Clear() {
  std::lock_guard lock(writer_mu_);
  generation_.fetch_add(1, std::memory_order_acq_rel);
  for (size_t i = 0; i < capacity_; ++i)
    if (records_[i].meta.load(std::memory_order_relaxed) != 0) Publish(static_cast<uint32_t>(i), 0, nullptr, 0, 0, nullptr);
  slot_of_key_id_.clear();
  count_.store(0, std::memory_order_relaxed);
  used_ = 0;
  for (size_t s = 0; s < org_count_; ++s)
    OrgStateAt(static_cast<uint32_t>(s))->store(kOrgUnknown, std::memory_order_release);
}

size_t ValidationIndex::KeyCount() const { return count_.load(std::memory_order_relaxed); }

}  // namespace kl::projections
