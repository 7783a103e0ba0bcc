// The replay's map from key id to key state (Projector::Rebuild). With std::unordered_map a
// lookup walked a bucket, a node and the id's heap copy: three dependent cache misses for every
// key event, a third of the fold. Here a lookup probes a flat table of small cells and compares
// the id kept inline at the head of its entry, and Prefetch lets a caller start the misses of a
// batch of lookups before it makes the first.
#pragma once
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "domain/key.h"

namespace kl::projections {

class KeySlots {
 public:
  explicit KeySlots(size_t expected_keys = 0);
  // A moved-from table is empty (and unusable until assigned to).
  KeySlots(KeySlots&& other) noexcept
      : cells_(std::move(other.cells_)), size_(std::exchange(other.size_, 0)), blocks_(std::move(other.blocks_)) {}
  KeySlots& operator=(KeySlots&& other) noexcept {
    cells_ = std::move(other.cells_);
    size_ = std::exchange(other.size_, 0);
    blocks_ = std::move(other.blocks_);
    return *this;
  }

  static uint64_t Hash(std::string_view id);

  // Hints, correct to skip. PrefetchCell starts loading the cell a lookup of `hash` probes
  // first; PrefetchEntry, once that cell has arrived, the entry it names.
  void PrefetchCell(uint64_t hash) const;
  void PrefetchEntry(uint64_t hash) const;

  // The state kept for `id` (its hash from Hash), empty the first time the id is seen. The
  // reference stays valid as long as the KeySlots.
  std::optional<KeyState>& Find(std::string_view id, uint64_t hash);
  std::optional<KeyState>& operator[](std::string_view id) { return Find(id, Hash(id)); }

  size_t size() const { return size_; }
  // Every id seen so far, in the order first seen, with its state.
  template <typename F>
  void ForEach(F&& f) const {
    for (size_t i = 0; i < size_; ++i) {
      const Entry& e = entry(i);
      f(e.length <= kInline ? std::string_view(e.head, e.length) : std::string_view(e.id), e.state);
    }
  }

 private:
  static constexpr size_t kInline = 40;   // key ids are 30 bytes ("key_" and a ULID)
  static constexpr size_t kBlock = 1024;  // entries per allocation: they never move
  struct Entry {
    // First, so that comparing an id and folding its state's first fields touch the same line.
    uint32_t length = 0;
    char head[kInline];  // the id, when it fits
    std::optional<KeyState> state;
    std::string id;  // the id, when it does not fit
    uint64_t hash = 0;
  };
  // Entry numbers are 32 bits: 4G keys would need terabytes of states in memory first.
  struct Cell {
    uint32_t tag = 0;   // high bits of the hash
    uint32_t slot = 0;  // entry number + 1; 0 is an empty cell
  };

  Entry& entry(size_t slot) const { return blocks_[slot / kBlock][slot % kBlock]; }
  bool Matches(const Entry& e, std::string_view id) const;
  void Grow();

  std::vector<Cell> cells_;  // a power of two in size, at most half full
  size_t size_ = 0;
  std::vector<std::unique_ptr<Entry[]>> blocks_;
};

}  // namespace kl::projections
