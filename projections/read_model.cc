#include "projections/read_model.h"

#include "domain/crypto.h"
#include "projections/projector.h"
#include "projections/state_codec.h"

namespace kl::projections {

ReadModel::ReadModel(storage::Database* db, const UsageTracker* usage, StateCache* cache)
    : db_(db),
      usage_(usage),
      cache_(cache),
      cf_(db),
      meta_(db->cf(kProjMetaCf)) {}

bool ReadModel::HasImportedKeys() const {
  if (imported_keys_seen_.load(std::memory_order_relaxed)) return true;
  rocksdb::PinnableSlice v;
  if (!db_->db()->Get(rocksdb::ReadOptions(), meta_, kImportedKeysMark, &v).ok()) return false;
  imported_keys_seen_.store(true, std::memory_order_relaxed);
  return true;
}

std::optional<KeyState> ReadModel::GetKey(const std::string& key_id) const {
  rocksdb::PinnableSlice v;
  if (!db_->db()->Get(rocksdb::ReadOptions(), cf_.keys, key_id, &v).ok()) return std::nullopt;
  auto key = DecodeKey(std::string_view(v.data(), v.size()));
  if (key && usage_) usage_->Overlay(*key);
  return key;
}

std::optional<KeyState> ReadModel::LoadKeyByHash(const Hash32& h) const {
  rocksdb::PinnableSlice id;
  rocksdb::Slice k(reinterpret_cast<const char*>(h.data()), h.size());
  if (!db_->db()->Get(rocksdb::ReadOptions(), cf_.by_hash, k, &id).ok()) return std::nullopt;
  rocksdb::PinnableSlice v;
  if (!db_->db()->Get(rocksdb::ReadOptions(), cf_.keys, id, &v).ok()) return std::nullopt;
  return DecodeKey(std::string_view(v.data(), v.size()));
}

std::optional<OrgState> ReadModel::LoadOrg(const std::string& org_id) const {
  rocksdb::PinnableSlice v;
  if (!db_->db()->Get(rocksdb::ReadOptions(), cf_.orgs, org_id, &v).ok()) return std::nullopt;
  return DecodeOrg(std::string_view(v.data(), v.size()));
}

StateCache::KeyPtr ReadModel::FindKeyByHash(const Hash32& h) const {
  if (cache_) return cache_->KeyByHash(h, [&] { return LoadKeyByHash(h); });
  auto key = LoadKeyByHash(h);
  return key ? std::make_shared<const KeyState>(std::move(*key)) : nullptr;
}

StateCache::OrgPtr ReadModel::FindOrg(const std::string& org_id) const {
  if (cache_) return cache_->Org(org_id, [&] { return LoadOrg(org_id); });
  auto org = LoadOrg(org_id);
  return org ? std::make_shared<const OrgState>(std::move(*org)) : nullptr;
}

std::optional<KeyState> ReadModel::GetKeyByHash(const Hash32& h) const {
  auto found = FindKeyByHash(h);
  if (!found) return std::nullopt;
  KeyState key = *found;
  if (usage_) usage_->Overlay(key);
  return key;
}

std::optional<OrgState> ReadModel::GetOrg(const std::string& org_id) const {
  auto found = FindOrg(org_id);
  if (!found) return std::nullopt;
  return *found;
}

static bool Matches(const KeyState& k, const KeyFilter& f, Millis now) {
  if (f.status != "all" && k.StatusAt(now) != f.status) return false;
  if (f.owner_id && k.owner.id != *f.owner_id) return false;
  if (f.project_id && k.project_id != *f.project_id) return false;
  if (f.environment && k.environment != *f.environment) return false;
  return true;
}

// The cursor is the hex of an index entry's suffix (BE64(~seq) + key id).
static Result<std::string> DecodeCursor(const std::string& cursor) {
  std::string raw;
  if (cursor.size() % 2 != 0 || cursor.size() > 256) return Status::Validation({{"cursor", "is not a valid cursor"}});
  for (size_t i = 0; i < cursor.size(); i += 2) {
    int v = 0;
    for (int j = 0; j < 2; ++j) {
      char c = cursor[i + j];
      int d = (c >= '0' && c <= '9') ? c - '0' : (c >= 'a' && c <= 'f') ? c - 'a' + 10 : -1;
      if (d < 0) return Status::Validation({{"cursor", "is not a valid cursor"}});
      v = v * 16 + d;
    }
    raw.push_back(static_cast<char>(v));
  }
  return raw;
}

std::string ReadModel::ListCursorOf(const KeyState& key) {
  std::string k = KeysByOrgKey(key.org_id, key.created_seq, key.id);
  std::string suffix = k.substr(key.org_id.size() + 1);
  return ToHex(reinterpret_cast<const uint8_t*>(suffix.data()), suffix.size());
}

Result<Page<KeyState>> ReadModel::ListKeys(const std::string& org_id, const KeyFilter& filter,
                                           const std::optional<std::string>& cursor, size_t limit,
                                           Millis now, ListOrder order) const {
  const bool oldest_first = order == ListOrder::kOldestFirst;
  std::string prefix = org_id + '\0';
  std::unique_ptr<rocksdb::Iterator> it(db_->db()->NewIterator(rocksdb::ReadOptions(), cf_.by_org));
  if (cursor) {
    auto raw = DecodeCursor(*cursor);
    if (!raw.ok()) return raw.status();
    std::string at = prefix + *raw;
    if (oldest_first) {
      it->SeekForPrev(at);
      if (it->Valid() && it->key() == rocksdb::Slice(at)) it->Prev();  // strictly before the cursor entry
    } else {
      it->Seek(at + '\0');  // strictly after the cursor entry
    }
  } else if (oldest_first) {
    std::string end = org_id + '\1';  // just past the org's last entry
    it->SeekForPrev(end);
  } else {
    it->Seek(prefix);
  }
  Page<KeyState> page;
  std::string last;
  for (; it->Valid() && it->key().starts_with(prefix); oldest_first ? it->Prev() : it->Next()) {
    std::string suffix = it->key().ToString().substr(prefix.size());
    if (suffix.size() <= 8) continue;
    auto key = DecodeKey(std::string_view(it->value().data(), it->value().size()));
    if (!key) continue;
    if (usage_) usage_->Overlay(*key);
    if (!Matches(*key, filter, now)) continue;
    if (page.items.size() == limit) {
      page.next_cursor = ToHex(reinterpret_cast<const uint8_t*>(last.data()), last.size());
      break;
    }
    page.items.push_back(std::move(*key));
    last = suffix;
  }
  if (!it->status().ok()) return storage::FromRocks(it->status(), "list keys");
  return page;
}

std::optional<ReadModel::IdempotencyRecord> ReadModel::FindIdempotent(const std::string& key_sha256) const {
  std::string v;
  if (!db_->db()->Get(rocksdb::ReadOptions(), cf_.idempotency, key_sha256, &v).ok()) return std::nullopt;
  auto j = nlohmann::json::parse(v, nullptr, false);
  if (j.is_discarded()) return std::nullopt;
  return IdempotencyRecord{j.value("key_id", ""), j.value("request_sha256", ""), j.value("created_at", Millis{0})};
}

static std::vector<std::string> DueBefore(rocksdb::DB* db, rocksdb::ColumnFamilyHandle* cf, Millis now,
                                          size_t limit) {
  std::vector<std::string> out;
  std::unique_ptr<rocksdb::Iterator> it(db->NewIterator(rocksdb::ReadOptions(), cf));
  for (it->SeekToFirst(); it->Valid() && out.size() < limit; it->Next()) {
    if (it->key().size() <= 8) continue;
    if (static_cast<Millis>(storage::DecodeBE64(it->key())) > now) break;
    out.push_back(it->key().ToString().substr(8));
  }
  return out;
}

std::vector<std::string> ReadModel::KeysDueToExpire(Millis now, size_t limit) const {
  return DueBefore(db_->db(), cf_.expiry, now, limit);
}

std::vector<std::string> ReadModel::KeysDueToRefill(Millis now, size_t limit) const {
  return DueBefore(db_->db(), cf_.refill, now, limit);
}

std::vector<std::string> ReadModel::KeysDueForWarning(Millis now, size_t limit) const {
  return DueBefore(db_->db(), cf_.warn, now, limit);
}

Result<Page<OrgState>> ReadModel::ListOrgs(const std::optional<std::string>& cursor, size_t limit) const {
  Page<OrgState> page;
  std::unique_ptr<rocksdb::Iterator> it(db_->db()->NewIterator(rocksdb::ReadOptions(), cf_.orgs));
  if (cursor) {
    it->Seek(*cursor);
    if (it->Valid() && it->key() == rocksdb::Slice(*cursor)) it->Next();
  } else {
    it->SeekToFirst();
  }
  for (; it->Valid(); it->Next()) {
    auto org = DecodeOrg(std::string_view(it->value().data(), it->value().size()));
    if (!org) continue;
    if (page.items.size() == limit) {
      page.next_cursor = page.items.back().id;
      break;
    }
    page.items.push_back(std::move(*org));
  }
  if (!it->status().ok()) return storage::FromRocks(it->status(), "list orgs");
  return page;
}

}  // namespace kl::projections
