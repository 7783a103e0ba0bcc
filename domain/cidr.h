// IPv4/IPv6 addresses and CIDR blocks for key IP allowlists (docs/policy-gates.md).
#pragma once
#include <array>
#include <optional>
#include <string_view>

namespace kl {

struct IpAddress {
  std::array<uint8_t, 16> bytes{};  // IPv4 is stored as an IPv4-mapped IPv6 address
  bool v4 = false;
};

std::optional<IpAddress> ParseIp(std::string_view text);

struct Cidr {
  IpAddress network;
  int prefix = 0;  // in bits of the written family (0..32 for IPv4, 0..128 for IPv6)
  bool Contains(const IpAddress& ip) const;
};

// "203.0.113.0/24", "2001:db8::/32"; a bare address means a single host.
std::optional<Cidr> ParseCidr(std::string_view text);

}  // namespace kl
