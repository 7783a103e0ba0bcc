// Hashing, randomness and comparisons the domain needs, over OpenSSL.
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "domain/event.h"

namespace kl {

Hash32 Sha256(std::string_view data);
// SHA-256 of a ‖ b, without concatenating them first.
Hash32 Sha256Concat(const Hash32& prefix, std::string_view data);
std::string ToHex(const uint8_t* data, size_t n);
// Lower-case hex of `n` bytes into out[0, 2n), without allocating.
void ToHexTo(const uint8_t* data, size_t n, char* out);
inline std::string ToHex(const Hash32& h) { return ToHex(h.data(), h.size()); }
std::optional<Hash32> HashFromHex(std::string_view hex);
// HMAC-SHA256(key, data).
Hash32 HmacSha256(std::string_view key, std::string_view data);
// Fills `out` from OpenSSL's CSPRNG; aborts the process if the CSPRNG fails (never weak bytes).
void RandomBytes(uint8_t* out, size_t n);
// Compares without an early exit, so timing says nothing about where two secrets differ.
bool ConstantTimeEquals(std::string_view a, std::string_view b);

}  // namespace kl
