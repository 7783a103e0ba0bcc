// Interns permission strings as bit positions (at most 64), so the validation index can answer a
// permission check with one AND instead of comparing strings. Entries are written once and never
// change: readers scan them without a lock; only the index's writer adds to the table.
#pragma once
#include <array>
#include <atomic>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace kl::projections {

// The permissions a validation requires, as bits; `unknown` when one of them was never interned
// (then no key whose permissions are all interned has it).
struct RequiredBits {
  uint64_t bits = 0;
  bool unknown = false;
};

class PermissionBits {
 public:
  static constexpr size_t kMaxBits = 64;

  // Reader side: the bit of `permission`, if interned.
  std::optional<unsigned> Find(std::string_view permission) const;
  RequiredBits Require(const std::vector<std::string>& permissions) const;

  // Writer side (one writer at a time): the key's permissions as bits; nullopt once the table is
  // full and one of them does not fit (the key is then checked against its full state).
  std::optional<uint64_t> Intern(const std::vector<std::string>& permissions);

 private:
  static uint64_t HashOf(std::string_view s);
  std::array<std::string, kMaxBits> names_;
  std::array<uint64_t, kMaxBits> hashes_{};  // compared first: one word instead of a string
  std::atomic<size_t> count_{0};             // entries below it are complete (release/acquire)
};

}  // namespace kl::projections
