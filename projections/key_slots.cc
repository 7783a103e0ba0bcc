#include "projections/key_slots.h"

#include <bit>
#include <cstring>
#include <functional>

namespace kl::projections {

namespace {
uint32_t TagOf(uint64_t hash) { return static_cast<uint32_t>(hash >> 32); }
}  // namespace

KeySlots::KeySlots(size_t expected_keys) : cells_(std::bit_ceil(std::max<size_t>(16, expected_keys * 2))) {}

uint64_t KeySlots::Hash(std::string_view id) { return std::hash<std::string_view>{}(id); }

void KeySlots::PrefetchCell(uint64_t hash) const { __builtin_prefetch(&cells_[hash & (cells_.size() - 1)]); }

void KeySlots::PrefetchEntry(uint64_t hash) const {
  const Cell& c = cells_[hash & (cells_.size() - 1)];
  if (c.slot != 0 && c.tag == TagOf(hash)) __builtin_prefetch(&entry(c.slot - 1));
}

bool KeySlots::Matches(const Entry& e, std::string_view id) const {
  if (e.length != id.size()) return false;
  if (id.empty()) return true;  // (an empty view may hold a null pointer: no memcmp)
  if (id.size() <= kInline) return std::memcmp(e.head, id.data(), id.size()) == 0;
  return e.id == id;
}

std::optional<KeyState>& KeySlots::Find(std::string_view id, uint64_t hash) {
  const size_t mask = cells_.size() - 1;
  const uint32_t tag = TagOf(hash);
  for (size_t i = hash & mask;; i = (i + 1) & mask) {
    Cell& c = cells_[i];
    if (c.slot == 0) break;
    if (c.tag == tag) {
      Entry& e = entry(c.slot - 1);
      if (Matches(e, id)) return e.state;
    }
  }
  // A new id: a new entry, then a cell for it (probed again, as growing moves the cells).
  if (size_ % kBlock == 0) blocks_.push_back(std::make_unique<Entry[]>(kBlock));
  const size_t slot = size_++;
  Entry& e = entry(slot);
  e.length = static_cast<uint32_t>(id.size());
  if (id.size() <= kInline) {
    if (!id.empty()) std::memcpy(e.head, id.data(), id.size());
  } else {
    e.id.assign(id);
  }
  e.hash = hash;
  if (size_ * 2 > cells_.size()) {
    Grow();
  } else {
    size_t i = hash & mask;
    while (cells_[i].slot != 0) i = (i + 1) & mask;
    cells_[i] = Cell{tag, static_cast<uint32_t>(slot + 1)};
  }
  return e.state;
}

void KeySlots::Grow() {
  std::vector<Cell> cells(cells_.size() * 2);
  const size_t mask = cells.size() - 1;
  for (size_t slot = 0; slot < size_; ++slot) {
    uint64_t hash = entry(slot).hash;
    size_t i = hash & mask;
    while (cells[i].slot != 0) i = (i + 1) & mask;
    cells[i] = Cell{TagOf(hash), static_cast<uint32_t>(slot + 1)};
  }
  cells_ = std::move(cells);
}

}  // namespace kl::projections
