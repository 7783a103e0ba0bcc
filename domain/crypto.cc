#include "domain/crypto.h"

// SHA256_Init/Update/Final are deprecated in OpenSSL 3 but kept until 4.0; see Sha256 below.
#define OPENSSL_SUPPRESS_DEPRECATED
#include <openssl/crypto.h>
#include <openssl/sha.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>

#include <array>
#include <cstdlib>
#include <initializer_list>
#include <memory>

namespace kl {

namespace {

// OpenSSL 3 looks an algorithm up in its provider store (under a lock) whenever it is named by
// EVP_sha256(); fetching it once and reusing a per-thread context keeps hashing lock- and
// allocation-free on the validation hot path.
const EVP_MD* Sha256Method() {
  static const EVP_MD* md = [] {
    const EVP_MD* fetched = EVP_MD_fetch(nullptr, "SHA256", nullptr);
    if (!fetched) std::abort();  // no default provider: nothing in this service can work
    return fetched;
  }();
  return md;
}

struct ContextFree {
  void operator()(EVP_MD_CTX* ctx) const { EVP_MD_CTX_free(ctx); }
};

EVP_MD_CTX* ThreadContext() {
  thread_local std::unique_ptr<EVP_MD_CTX, ContextFree> ctx(EVP_MD_CTX_new());
  return ctx.get();
}

Hash32 Digest(std::initializer_list<std::string_view> parts) {
  Hash32 h;
  unsigned int len = 0;
  EVP_MD_CTX* ctx = ThreadContext();
  EVP_DigestInit_ex2(ctx, Sha256Method(), nullptr);
  for (std::string_view p : parts) EVP_DigestUpdate(ctx, p.data(), p.size());
  EVP_DigestFinal_ex(ctx, h.data(), &len);
  return h;
}

}  // namespace

// The one-buffer hash of every validation: the low-level API skips the provider dispatch of the
// EVP calls (about 30% of a ~60-byte hash). Same bytes as EVP (unit test).
Hash32 Sha256(std::string_view data) {
  Hash32 h;
  SHA256_CTX ctx;
  SHA256_Init(&ctx);
  SHA256_Update(&ctx, data.data(), data.size());
  SHA256_Final(h.data(), &ctx);
  return h;
}

Hash32 Sha256Concat(const Hash32& prefix, std::string_view data) {
  return Digest({std::string_view(reinterpret_cast<const char*>(prefix.data()), prefix.size()), data});
}

void ToHexTo(const uint8_t* data, size_t n, char* out) {
  static const char* kDigits = "0123456789abcdef";
  for (size_t i = 0; i < n; ++i) {
    out[2 * i] = kDigits[data[i] >> 4];
    out[2 * i + 1] = kDigits[data[i] & 0xf];
  }
}

std::string ToHex(const uint8_t* data, size_t n) {
  std::string out(n * 2, '0');
  ToHexTo(data, n, out.data());
  return out;
}

namespace {
// Each byte's value as a hex digit, or -1. A table, not comparisons: a secret hash's digits are
// random, and the branches of a comparison chain mispredicted on most of them (a replay parses
// one per created key).
constexpr std::array<int8_t, 256> kHexDigit = [] {
  std::array<int8_t, 256> t{};
  t.fill(-1);
  for (int c = 0; c < 10; ++c) t['0' + c] = static_cast<int8_t>(c);
  for (int c = 0; c < 6; ++c) t['a' + c] = t['A' + c] = static_cast<int8_t>(10 + c);
  return t;
}();
}  // namespace

std::optional<Hash32> HashFromHex(std::string_view hex) {
  if (hex.size() != 64) return std::nullopt;
  Hash32 h;
  int invalid = 0;  // any digit's -1 sets the sign bit: checked once, after the loop
  for (size_t i = 0; i < 32; ++i) {
    int hi = kHexDigit[static_cast<uint8_t>(hex[2 * i])], lo = kHexDigit[static_cast<uint8_t>(hex[2 * i + 1])];
    invalid |= hi | lo;
    h[i] = static_cast<uint8_t>(hi << 4 | lo);
  }
  if (invalid < 0) return std::nullopt;
  return h;
}

Hash32 HmacSha256(std::string_view key, std::string_view data) {
  Hash32 out{};
  unsigned int len = 0;
  if (!HMAC(Sha256Method(), key.data(), static_cast<int>(key.size()), reinterpret_cast<const unsigned char*>(data.data()),
            data.size(), out.data(), &len) || len != out.size())
    std::abort();  // HMAC-SHA256 over memory cannot fail short of a broken OpenSSL
  return out;
}

void RandomBytes(uint8_t* out, size_t n) {
  // Never fall back to weaker randomness: a key service without a CSPRNG must stop.
  if (RAND_bytes(out, static_cast<int>(n)) != 1) std::abort();
}

bool ConstantTimeEquals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  return CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

}  // namespace kl
