// Usage recorded in memory on the validation hot path (SPEC §7): the next read sees it at once
// (the read model overlays it), and a background flusher turns it into one KeyUsed (and one
// KeyUseRejected per code) per key per window. Sharded so validations never queue on one lock.
#pragma once
#include <array>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "domain/key.h"

namespace kl::projections {

struct UsageWindow {
  int64_t count = 0;
  Millis first_at = 0;
  Millis last_at = 0;
  std::string ip;
  std::string user_agent;
  int64_t credits_spent = 0;
  void Add(Millis at, const std::string& ip, const std::string& ua, int64_t credits);
  void Merge(const UsageWindow& later);
};

struct KeyUsage {
  std::string key_id;
  std::string org_id;
  std::optional<UsageWindow> used;
  std::map<std::string, UsageWindow> rejected;  // by validation code
};

class UsageTracker {
 public:
  void RecordUse(const KeyState& key, Millis at, const std::string& ip, const std::string& ua, int64_t credits = 0);
  void RecordRejection(const KeyState& key, const std::string& code, Millis at, const std::string& ip,
                       const std::string& ua);
  // Applies usage not yet in the projection to a projected key.
  void Overlay(KeyState& key) const;
  // Moves every pending window to "in flight" and returns them for the flusher to append.
  std::vector<KeyUsage> BeginFlush();
  // The flusher's outcome: on success the projection has the usage; on failure it goes back.
  void EndFlush(const KeyUsage& usage, bool appended);

 private:
  struct Entry {
    KeyUsage pending;
    KeyUsage in_flight;
  };
  struct Shard {
    mutable std::mutex mu;
    std::unordered_map<std::string, Entry> entries;
  };
  Shard& ShardOf(const std::string& key_id) const;
  static constexpr size_t kShards = 64;
  mutable std::array<Shard, kShards> shards_;
};

}  // namespace kl::projections
