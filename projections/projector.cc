#include "projections/projector.h"

#include <algorithm>
#include <array>
#include <future>
#include <thread>
#include <unordered_map>

#include "domain/crypto.h"
#include "domain/key_warnings.h"
#include "projections/chunk_pipeline.h"
#include "projections/key_slots.h"
#include "projections/state_codec.h"
#include "projections/webhook_projection.h"
#include "storage/bulk_load.h"

namespace kl::projections {

const std::vector<std::string>& ColumnFamilies() {
  static const std::vector<std::string> kCfs = {kKeysCf, kKeysByHashCf, kKeysByOrgCf, kKeyExpiryCf, kKeyRefillCf, kIdempotencyCf, kOrgsCf, kProjMetaCf, kWebhooksCf, kKeyWarnCf};
  return kCfs;
}

std::string ExpiryKey(Millis expires_at, const std::string& key_id) {
  return storage::EncodeBE64(static_cast<uint64_t>(expires_at)) + key_id;
}

std::string KeysByOrgKey(const std::string& org_id, uint64_t created_seq, const std::string& key_id) {
  std::string k = org_id;
  k.push_back('\0');
  k += storage::EncodeBE64(~created_seq);  // newest first in bytewise order
  k += key_id;
  return k;
}

namespace {

// The expiry index holds active keys with an expires_at: what the sweeper must visit.
std::optional<Millis> PendingExpiry(const std::optional<KeyState>& k) {
  if (k && k->status == "active" && k->expires_at) return k->expires_at;
  return std::nullopt;
}
std::optional<Millis> PendingRefill(const std::optional<KeyState>& k) {
  return k ? NextCreditRefill(*k) : std::nullopt;
}
std::optional<Millis> PendingWarning(const std::optional<KeyState>& k) {
  return k ? NextWarningDue(*k) : std::nullopt;
}

// What a KeyCreated adds besides the key's state: the lookup by secret hash, the idempotency
// record, and for an imported key the mark that imported keys exist (ReadModel::HasImportedKeys).
// Written once, never changed.
// `sink` is a rocksdb::WriteBatch (a commit's batch) or a storage::BulkLoad (replay).
template <typename Sink>
Status PutCreationIndexes(const Event& e, rocksdb::ColumnFamilyHandle* by_hash, rocksdb::ColumnFamilyHandle* idempotency,
                          rocksdb::ColumnFamilyHandle* meta, Sink& sink) {
  const auto& c = std::get<KeyCreated>(e.data);
  const std::string& key_id = *e.key_id;
  auto hash = HashFromHex(c.secret_hash_hex);
  if (!hash) return Status(Code::kInternal, "KeyCreated without a valid secret hash");
  sink.Put(by_hash, rocksdb::Slice(reinterpret_cast<const char*>(hash->data()), 32), key_id);
  if (c.idempotency_key_sha256 && c.request_sha256) {
    nlohmann::json record = {{"key_id", key_id}, {"request_sha256", *c.request_sha256}, {"created_at", e.recorded_at}};
    sink.Put(idempotency, *c.idempotency_key_sha256, record.dump());
  }
  if (c.imported) sink.Put(meta, kImportedKeysMark, "");
  return Status::Ok();
}

}  // namespace

Projector::Projector(storage::Database* db, UsageTracker* usage, StateCache* cache, ValidationIndex* index)
    : db_(db),
      usage_(usage),
      cache_(cache),
      index_(index),
      cf_(db),
      meta_(db->cf(kProjMetaCf)),
      webhooks_(db->cf(kWebhooksCf)) {}

Status Projector::Fold(const Event& e, rocksdb::WriteBatchWithIndex& batch) {
  rocksdb::ReadOptions ro;
  std::string value;
  if (e.key_id) {
    std::optional<KeyState> key;
    bool created = std::holds_alternative<KeyCreated>(e.data);
    // A creation is its stream's first event (the log checked the stream was empty), so there is
    // no projected key to read.
    auto s = created ? rocksdb::Status::NotFound() : batch.GetFromBatchAndDB(db_->db(), ro, cf_.keys, *e.key_id, &value);
    if (s.ok()) {
      key = DecodeKey(value);
      if (!key) return Status(Code::kInternal, "projected key " + *e.key_id + " does not decode");
    } else if (!s.IsNotFound()) {
      return storage::FromRocks(s, "read key projection");
    }
    std::optional<Millis> expiry_before = PendingExpiry(key), refill_before = PendingRefill(key),
                          warn_before = PendingWarning(key);
    EvolveKey(key, e);
    std::optional<Millis> expiry_after = PendingExpiry(key), refill_after = PendingRefill(key),
                          warn_after = PendingWarning(key);
    // Time-ordered work indexes (same key layout): what the sweeper must visit, and when.
    auto reindex = [&](rocksdb::ColumnFamilyHandle* cf, std::optional<Millis> before, std::optional<Millis> after) {
      if (before == after) return;
      if (before) storage::Unindexed(batch).Delete(cf, ExpiryKey(*before, *e.key_id));
      if (after) storage::Unindexed(batch).Put(cf, ExpiryKey(*after, *e.key_id), "");
    };
    reindex(cf_.expiry, expiry_before, expiry_after);
    reindex(cf_.refill, refill_before, refill_after);
    reindex(cf_.warn, warn_before, warn_after);
    if (key) {
      std::string encoded = EncodeKey(*key);
      // The org's listing holds a copy of the state (a covering index): nothing in a fold reads it.
      storage::Unindexed(batch).Put(cf_.by_org, KeysByOrgKey(key->org_id, key->created_seq, key->id), encoded);
      batch.Put(cf_.keys, key->id, encoded);
      if (created) {
        if (Status s = PutCreationIndexes(e, cf_.by_hash, cf_.idempotency, meta_, storage::Unindexed(batch)); !s.ok()) return s;
      }
    }
  } else {
    std::optional<OrgState> org;
    auto s = batch.GetFromBatchAndDB(db_->db(), ro, cf_.orgs, e.org_id, &value);
    if (s.ok()) {
      org = DecodeOrg(value);
      if (!org) return Status(Code::kInternal, "projected org " + e.org_id + " does not decode");
    } else if (!s.IsNotFound()) {
      return storage::FromRocks(s, "read org projection");
    }
    EvolveOrg(org, e);
    if (org) batch.Put(cf_.orgs, org->id, EncodeOrg(*org));
    if (Status s = FoldWebhook(*db_, webhooks_, e, batch); !s.ok()) return s;
  }
  return Status::Ok();
}

void Projector::RecordCheckpoint(uint64_t seq, rocksdb::WriteBatchWithIndex& batch) {
  batch.Put(meta_, "checkpoint", storage::EncodeBE64(seq));
  batch.Put(meta_, "format", storage::EncodeBE64(kProjectionFormat));
}

void Projector::Committed(const std::vector<const Event*>& events) {
  for (const Event* e : events) {
    if (cache_) cache_->Invalidate(*e);
    if (usage_) usage_->OnCommitted(*e);
  }
  if (index_) index_->ApplyCommitted(events);
}

bool ProjectionFormatIsCurrent(const storage::Database& db) {
  std::string v;
  auto* meta = db.cf(kProjMetaCf);
  if (!db.db()->Get(rocksdb::ReadOptions(), meta, "checkpoint", &v).ok()) return true;  // nothing folded yet
  if (!db.db()->Get(rocksdb::ReadOptions(), meta, "format", &v).ok()) return false;     // before formats
  return v.size() == 8 && storage::DecodeBE64(v) == kProjectionFormat;
}

Result<bool> DropStaleProjections(storage::Database& db) {
  if (ProjectionFormatIsCurrent(db)) return false;
  if (Status s = db.ResetColumnFamilies(ColumnFamilies()); !s.ok()) return s;
  return true;
}

uint64_t Projector::Checkpoint() const {
  std::string v;
  if (db_->db()->Get(rocksdb::ReadOptions(), meta_, "checkpoint", &v).ok()) return storage::DecodeBE64(v);
  return 0;
}

Result<uint64_t> Projector::CatchUp(const storage::EventLog& log, const std::function<void(uint64_t)>& progress) {
  uint64_t folded = 0;
  uint64_t from = Checkpoint();
  std::vector<Event> chunk;
  for (;;) {
    chunk.clear();
    if (Status s = log.Read(from, 4096, &chunk); !s.ok()) return s;
    if (chunk.empty()) break;
    rocksdb::WriteBatchWithIndex batch(rocksdb::BytewiseComparator(), 0, true);
    for (const Event& e : chunk) {
      if (Status s = Fold(e, batch); !s.ok()) return s;
    }
    RecordCheckpoint(chunk.back().seq, batch);
    rocksdb::WriteOptions wo;
    if (auto s = db_->db()->Write(wo, batch.GetWriteBatch()); !s.ok()) return storage::FromRocks(s, "catch up");
    folded += chunk.size();
    from = chunk.back().seq;
    if (progress) progress(folded);
  }
  return folded;
}

Result<uint64_t> Projector::Rebuild(const storage::EventLog& log, const std::function<void(uint64_t)>& progress) {
  if (Checkpoint() != 0) return Status(Code::kInternal, "rebuild needs empty projections");
  // A generous guess (growing the table costs more than spare cells), capped: 4M keys' cells are
  // 64 MB, and a bigger log grows the table as it goes.
  KeySlots keys(std::min<uint64_t>(log.HeadSeq() / 8, uint64_t{1} << 22));
  std::unordered_map<std::string, std::optional<OrgState>> orgs;
  std::unordered_map<std::string, std::optional<WebhookState>> webhooks;
  // Keys and their indexes go in through SST files (storage::BulkLoad), the rest (orgs, webhooks,
  // the checkpoint) in one synced batch after them.
  storage::BulkLoad bulk(db_);
  rocksdb::WriteBatch batch;
  uint64_t folded = 0, from = 0;
  constexpr size_t kFoldBatch = 32;
  std::array<uint64_t, kFoldBatch> hashes;
  std::array<std::optional<KeyState>*, kFoldBatch> slots;
  // Reading and decoding the log is more work than folding it: readers on every core prepare the
  // next chunks while this thread folds them in log order.
  ChunkPipeline pipeline(log, log.HeadSeq(), 8192, std::min(4u, std::max(1u, std::thread::hardware_concurrency())));
  for (;;) {
    auto next = pipeline.Next();
    if (!next.ok()) return next.status();
    std::vector<Event> chunk = std::move(*next);
    if (chunk.empty()) break;
    // Key lookups are cache misses (the states of a big log do not fit in any cache) and
    // independent of each other: a batch's misses are started together, in stages, before the
    // batch is folded: the table's cells, then the entries they name. (Prefetching the states
    // too did not help.)
    for (size_t begin = 0; begin < chunk.size(); begin += kFoldBatch) {
      const size_t end = std::min(chunk.size(), begin + kFoldBatch);
      for (size_t i = begin; i < end; ++i)
        if (chunk[i].key_id) keys.PrefetchCell(hashes[i - begin] = KeySlots::Hash(*chunk[i].key_id));
      for (size_t i = begin; i < end; ++i)
        if (chunk[i].key_id) keys.PrefetchEntry(hashes[i - begin]);
      for (size_t i = begin; i < end; ++i) {
        if (!chunk[i].key_id) continue;
        slots[i - begin] = &keys.Find(*chunk[i].key_id, hashes[i - begin]);
      }
      for (size_t i = begin; i < end; ++i) {
        Event& e = chunk[i];
        if (e.key_id) {
          // A creation always makes the key's state: its indexes come from the event alone,
          // before the event's strings move into that state (the chunk is recycled after this).
          if (std::holds_alternative<KeyCreated>(e.data)) {
            if (Status s = PutCreationIndexes(e, cf_.by_hash, cf_.idempotency, meta_, bulk); !s.ok()) return s;
          }
          EvolveKey(*slots[i - begin], std::move(e));
        } else {
          EvolveOrg(orgs[e.org_id], e);
          FoldWebhookInMemory(webhooks, e);
        }
      }
    }
    folded += chunk.size();
    from = chunk.back().seq;
    if (progress) progress(folded);
    pipeline.Recycle(std::move(chunk));
  }
  // The final states, once each, with the sweeper's indexes as CatchUp would have left them.
  // Encoding them was a sixth of a replay on one core, with the readers done: it is split across
  // the cores, each part writing its own entries.
  std::vector<const std::optional<KeyState>*> finals;
  finals.reserve(keys.size());
  keys.ForEach([&](std::string_view, const std::optional<KeyState>& key) {
    if (key) finals.push_back(&key);
  });
  struct Encoded {
    storage::BulkLoad::Entries keys, by_org, expiry, refill, warn;
  };
  const size_t parts = std::min<size_t>(4, std::max(1u, std::thread::hardware_concurrency()));
  std::vector<Encoded> encoded(parts);
  auto encode = [&](size_t part) {
    Encoded& out = encoded[part];
    size_t begin = finals.size() * part / parts, end = finals.size() * (part + 1) / parts;
    out.keys.reserve(end - begin);
    out.by_org.reserve(end - begin);
    for (size_t i = begin; i < end; ++i) {
      const std::optional<KeyState>& key = *finals[i];
      std::string state = EncodeKey(*key);
      out.by_org.emplace_back(KeysByOrgKey(key->org_id, key->created_seq, key->id), state);
      out.keys.emplace_back(key->id, std::move(state));
      if (auto at = PendingExpiry(key)) out.expiry.emplace_back(ExpiryKey(*at, key->id), "");
      if (auto at = PendingRefill(key)) out.refill.emplace_back(ExpiryKey(*at, key->id), "");
      if (auto at = PendingWarning(key)) out.warn.emplace_back(ExpiryKey(*at, key->id), "");
    }
  };
  {
    std::vector<std::future<void>> others;
    for (size_t part = 1; part < parts; ++part) others.push_back(std::async(std::launch::async, encode, part));
    encode(0);
    for (auto& o : others) o.get();
  }
  for (Encoded& part : encoded) {
    bulk.PutAll(cf_.keys, std::move(part.keys));
    bulk.PutAll(cf_.by_org, std::move(part.by_org));
    bulk.PutAll(cf_.expiry, std::move(part.expiry));
    bulk.PutAll(cf_.refill, std::move(part.refill));
    bulk.PutAll(cf_.warn, std::move(part.warn));
  }
  encoded.clear();
  finals.clear();
  // Freeing every key's state takes a while: another thread does it while the files are written.
  std::thread release([doomed = std::move(keys)]() mutable { KeySlots gone = std::move(doomed); });
  // Before the checkpoint: a crash in between leaves projections without one, and replay resets
  // the projections before it rebuilds.
  Status finished = bulk.Finish();
  release.join();
  if (!finished.ok()) return finished;
  for (const auto& [id, org] : orgs)
    if (org) batch.Put(cf_.orgs, org->id, EncodeOrg(*org));
  WriteWebhooks(webhooks, webhooks_, batch);
  if (folded > 0) {
    batch.Put(meta_, "checkpoint", storage::EncodeBE64(from));
    batch.Put(meta_, "format", storage::EncodeBE64(kProjectionFormat));
  }
  rocksdb::WriteOptions wo;
  wo.sync = true;
  if (auto s = db_->db()->Write(wo, &batch); !s.ok()) return storage::FromRocks(s, "rebuild");
  return folded;
}

}  // namespace kl::projections
