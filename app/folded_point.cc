#include "app/folded_point.h"

#include <cstring>
#include <vector>

#include "domain/crypto.h"

namespace kl::app {

namespace {
constexpr const char* kFoldedPointKey = "cluster_folded_point";  // BE64(seq) + the event's hash
}  // namespace

std::optional<FoldedPoint> LoadFoldedPoint(const storage::Database& db) {
  std::string v;
  if (!db.db()->Get(rocksdb::ReadOptions(), db.cf(storage::kMetaCf), kFoldedPointKey, &v).ok()) return std::nullopt;
  if (v.size() != 8 + 32) return std::nullopt;
  FoldedPoint p;
  p.seq = storage::DecodeBE64(v.substr(0, 8));
  std::memcpy(p.hash.data(), v.data() + 8, 32);
  return p;
}

void RecordFoldedPoint(const FoldedPoint& point, const storage::Database& db, rocksdb::WriteBatchBase& batch) {
  std::string v = storage::EncodeBE64(point.seq);
  v.append(reinterpret_cast<const char*>(point.hash.data()), point.hash.size());
  (void)batch.Put(db.cf(storage::kMetaCf), kFoldedPointKey, v);
}

std::optional<std::string> FoldedPointMismatch(const FoldedPoint& point, const Event* at_seq) {
  if (!at_seq || at_seq->seq != point.seq)
    return "the log no longer holds seq " + std::to_string(point.seq) + ", which this node folded";
  if (at_seq->hash != point.hash)
    return "the event at seq " + std::to_string(point.seq) + " is not the one this node folded (hash " +
           ToHex(at_seq->hash).substr(0, 16) + ", folded " + ToHex(point.hash).substr(0, 16) + ")";
  return std::nullopt;
}

Result<std::optional<std::string>> CheckFoldedPoint(const storage::EventLog& log, const FoldedPoint& point) {
  if (point.seq == 0) return std::optional<std::string>();
  std::vector<Event> at;
  if (Status s = log.Read(point.seq - 1, 1, &at); !s.ok()) return s;
  return FoldedPointMismatch(point, at.empty() ? nullptr : &at.front());
}

}  // namespace kl::app
