// The API key secret format (docs/spec.md, Secrets):
//   <prefix>_<environment>_<body><check>
// body  = 32 CSPRNG bytes as a big-endian integer in base62, left-padded with '0' to 43 chars
// check = zlib crc32 of everything before it, base62, left-padded to 6 chars.
#pragma once
#include <optional>
#include <string>
#include <string_view>

#include "domain/event.h"

namespace kl {

struct IssuedSecret {
  std::string value;             // the plaintext; leaves the process once, in the create response
  Hash32 hash;                   // SHA-256 of value: all that is ever stored
  std::string obfuscated_value;  // <prefix>_<environment>_…<last 4>
};

IssuedSecret IssueSecret(std::string_view prefix, std::string_view environment);

struct SecretParts {
  std::string_view prefix;
  std::string_view environment;
};
// Checks shape and checksum only (no store lookup): nullopt means MALFORMED.
std::optional<SecretParts> ParseSecret(std::string_view value);

// A regular expression (ECMAScript / RE2 / PCRE alike) that matches exactly the shape of a
// secret: what a secret-scanning service is given to recognise keyledger keys (docs/api.md
// quotes it). It cannot check the CRC, so scanners report candidates and POST /v1/leaks checks
// the checksum. A deployment that only uses the default prefix may narrow [a-z]{2,8} to sk.
inline constexpr const char* kSecretRegex = "[a-z]{2,8}_(?:live|test)_[0-9A-Za-z]{49}";

std::string ObfuscateSecret(std::string_view prefix, std::string_view environment, std::string_view value);

}  // namespace kl
