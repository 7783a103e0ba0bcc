#include "domain/ids.h"

#include <algorithm>
#include <mutex>

#include "domain/crypto.h"

namespace kl {

static constexpr char kCrockford[] = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";

namespace {

// ULIDs monotonic within a millisecond: each one after the first in a ms is the previous plus one.
// `fresh_each_ms`: a new ms draws new random bits (ids that must not reveal how many were made);
// otherwise the 80 bits, drawn once, count up forever (request ids: unique, and no CSPRNG call
// per millisecond per thread).
class UlidSequence {
 public:
  explicit UlidSequence(bool fresh_each_ms) : fresh_each_ms_(fresh_each_ms) {}

  void Next(Millis now, char out[26]) {
    if (now <= last_ms_ || (!fresh_each_ms_ && seeded_)) {
      now = std::max(now, last_ms_);
      for (int i = 9; i >= 0; --i)
        if (++rand_[i] != 0) break;
    } else {
      RandomBytes(rand_, sizeof rand_);
      seeded_ = true;
    }
    last_ms_ = now;
    uint64_t t = static_cast<uint64_t>(now) & 0xFFFFFFFFFFFFull;
    for (int i = 9; i >= 0; --i, t >>= 5) out[i] = kCrockford[t & 31];
    // 80 random bits -> 16 chars of 5 bits, most significant first.
    unsigned __int128 r = 0;
    for (uint8_t b : rand_) r = (r << 8) | b;
    for (int i = 25; i >= 10; --i, r >>= 5) out[i] = kCrockford[static_cast<unsigned>(r & 31)];
  }

 private:
  const bool fresh_each_ms_;
  bool seeded_ = false;
  Millis last_ms_ = -1;
  uint8_t rand_[10] = {};
};

}  // namespace

std::string NewUlid(Millis now) {
  // One sequence for the process: ids made in the same ms by this process sort in order.
  static std::mutex mu;
  static UlidSequence sequence(/*fresh_each_ms=*/true);
  std::string out(26, '0');
  std::lock_guard lock(mu);
  sequence.Next(now, out.data());
  return out;
}

std::string NewRequestId(Millis now) {
  // Request ids need to be unique, not ordered across threads: a sequence per thread keeps the
  // process-wide lock off every request (it was a contended lock on the validation path).
  thread_local UlidSequence sequence(/*fresh_each_ms=*/false);
  std::string out = "req_" + std::string(26, '0');
  sequence.Next(now, out.data() + 4);
  return out;
}

std::string NewId(std::string_view prefix, Millis now) { return std::string(prefix) + "_" + NewUlid(now); }

bool IsId(std::string_view id, std::string_view prefix) {
  if (id.size() != prefix.size() + 27 || id.substr(0, prefix.size()) != prefix || id[prefix.size()] != '_')
    return false;
  std::string_view ulid = id.substr(prefix.size() + 1);
  if (ulid[0] > '7') return false;
  for (char c : ulid)
    if (std::string_view(kCrockford).find(c) == std::string_view::npos) return false;
  return true;
}

bool IsOrgSlug(std::string_view id) {
  if (id.size() < 3 || id.size() > 64) return false;
  auto ok = [](char c, bool first) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || (!first && c == '-');
  };
  for (size_t i = 0; i < id.size(); ++i)
    if (!ok(id[i], i == 0)) return false;
  return true;
}

}  // namespace kl
