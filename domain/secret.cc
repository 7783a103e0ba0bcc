#include "domain/secret.h"

#include "domain/base62.h"
#include "domain/crc32.h"
#include "domain/crypto.h"

namespace kl {

namespace {
constexpr size_t kBodyLen = 43;
constexpr size_t kCheckLen = 6;

std::string Checksum(std::string_view s) {
  return Base62EncodeU32(Crc32(s), kCheckLen);
}
}  // namespace

std::string ObfuscateSecret(std::string_view prefix, std::string_view environment, std::string_view value) {
  std::string last4(value.size() >= 4 ? value.substr(value.size() - 4) : value);
  return std::string(prefix) + "_" + std::string(environment) + "_\u2026" + last4;
}

IssuedSecret IssueSecret(std::string_view prefix, std::string_view environment) {
  uint8_t bytes[32];
  RandomBytes(bytes, sizeof bytes);
  std::string value = std::string(prefix) + "_" + std::string(environment) + "_" + Base62Encode(bytes, 32, kBodyLen);
  value += Checksum(value);
  return IssuedSecret{value, Sha256(value), ObfuscateSecret(prefix, environment, value)};
}

std::optional<SecretParts> ParseSecret(std::string_view v) {
  size_t p1 = v.find('_');
  if (p1 == std::string_view::npos || p1 < 2 || p1 > 8) return std::nullopt;
  for (size_t i = 0; i < p1; ++i)
    if (v[i] < 'a' || v[i] > 'z') return std::nullopt;
  std::string_view rest = v.substr(p1 + 1);
  if (rest.size() != 5 + kBodyLen + kCheckLen) return std::nullopt;
  std::string_view env = rest.substr(0, 4);
  if ((env != "live" && env != "test") || rest[4] != '_') return std::nullopt;
  std::string_view tail = rest.substr(5);
  if (!IsBase62(tail)) return std::nullopt;
  std::string_view signed_part = v.substr(0, v.size() - kCheckLen);
  // Compare the checksum without allocating (this runs on every validation).
  if (!Base62EqualsU32(v.substr(v.size() - kCheckLen), Crc32(signed_part))) return std::nullopt;
  return SecretParts{v.substr(0, p1), env};
}

}  // namespace kl
