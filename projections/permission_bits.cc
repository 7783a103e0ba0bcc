#include "projections/permission_bits.h"

namespace kl::projections {

uint64_t PermissionBits::HashOf(std::string_view s) {
  uint64_t h = 1469598103934665603ull;  // FNV-1a: permissions are short
  for (unsigned char c : s) h = (h ^ c) * 1099511628211ull;
  return h;
}

std::optional<unsigned> PermissionBits::Find(std::string_view permission) const {
  size_t n = count_.load(std::memory_order_acquire);
  uint64_t h = HashOf(permission);
  for (size_t i = 0; i < n; ++i)
    if (hashes_[i] == h && names_[i] == permission) return static_cast<unsigned>(i);
  return std::nullopt;
}

RequiredBits PermissionBits::Require(const std::vector<std::string>& permissions) const {
  RequiredBits r;
  for (const auto& p : permissions) {
    if (auto bit = Find(p)) r.bits |= uint64_t{1} << *bit;
    else r.unknown = true;
  }
  return r;
}

std::optional<uint64_t> PermissionBits::Intern(const std::vector<std::string>& permissions) {
  uint64_t bits = 0;
  for (const auto& p : permissions) {
    auto bit = Find(p);
    if (!bit) {
      size_t n = count_.load(std::memory_order_relaxed);
      if (n == kMaxBits) return std::nullopt;
      names_[n] = p;
      hashes_[n] = HashOf(p);
      count_.store(n + 1, std::memory_order_release);  // published only once complete
      bit = static_cast<unsigned>(n);
    }
    bits |= uint64_t{1} << *bit;
  }
  return bits;
}

}  // namespace kl::projections
