#include "domain/cidr.h"

#include <arpa/inet.h>

#include <cstring>
#include <string>

namespace kl {

std::optional<IpAddress> ParseIp(std::string_view text) {
  if (text.empty() || text.size() > 45) return std::nullopt;
  std::string s(text);
  IpAddress ip;
  in_addr v4;
  if (inet_pton(AF_INET, s.c_str(), &v4) == 1) {
    ip.v4 = true;
    ip.bytes[10] = ip.bytes[11] = 0xff;
    std::memcpy(&ip.bytes[12], &v4, 4);
    return ip;
  }
  in6_addr v6;
  if (inet_pton(AF_INET6, s.c_str(), &v6) == 1) {
    std::memcpy(ip.bytes.data(), &v6, 16);
    // An IPv4-mapped IPv6 address is the IPv4 address (what a dual-stack socket reports).
    static const uint8_t kMapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
    ip.v4 = std::memcmp(ip.bytes.data(), kMapped, 12) == 0;
    return ip;
  }
  return std::nullopt;
}

std::optional<Cidr> ParseCidr(std::string_view text) {
  size_t slash = text.find('/');
  auto ip = ParseIp(text.substr(0, slash));
  if (!ip) return std::nullopt;
  int max = ip->v4 ? 32 : 128;
  int prefix = max;
  if (slash != std::string_view::npos) {
    std::string_view p = text.substr(slash + 1);
    if (p.empty() || p.size() > 3) return std::nullopt;
    prefix = 0;
    for (char c : p) {
      if (c < '0' || c > '9') return std::nullopt;
      prefix = prefix * 10 + (c - '0');
    }
    if (prefix > max) return std::nullopt;
  }
  return Cidr{*ip, prefix};
}

bool Cidr::Contains(const IpAddress& ip) const {
  if (ip.v4 != network.v4) return false;
  int bits = network.v4 ? prefix + 96 : prefix;
  for (int i = 0; i < 16 && bits > 0; ++i, bits -= 8) {
    uint8_t mask = bits >= 8 ? 0xff : static_cast<uint8_t>(0xff << (8 - bits));
    if ((ip.bytes[i] & mask) != (network.bytes[i] & mask)) return false;
  }
  return true;
}

}  // namespace kl
