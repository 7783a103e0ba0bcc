// Fuzzes the secret parser and its checksum (domain/secret.h, docs/spec.md, Secrets) with three properties:
//
// 1. ParseSecret never crashes, and whatever it accepts is exactly the documented format, checked here
//    by an independent oracle (our own base62 and zlib's crc32), not by the code under test.
// 2. A secret built to the format from the input's bytes (prefix, environment, 32-byte body) always
//    parses, to that prefix and environment; so does one from IssueSecret.
// 3. Changing any one character of a valid secret to any other character is always rejected:
//    CRC-32 detects every burst error of up to 32 bits, a one-byte substitution inside the
//    signed part is such a burst, and a change inside the 6 check characters yields another
//    check string (base62 of a u32 at width 6 is injective).
#include <zlib.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "domain/secret.h"

namespace {

constexpr char kAlphabet[] = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

void Fail(const char* what, std::string_view value) {
  std::fprintf(stderr, "secret_fuzz: %s: \"%.*s\"\n", what, static_cast<int>(value.size()), value.data());
  std::abort();
}

bool InAlphabet(char c) { return (c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z'); }

// The oracle's base62: repeated division of a big-endian number by 62, left-padded with '0'.
std::string OracleBase62(std::string bytes, size_t width) {
  std::string digits;
  while (bytes.find_first_not_of('\0') != std::string::npos) {
    unsigned rem = 0;
    for (char& b : bytes) {
      unsigned cur = rem * 256 + static_cast<uint8_t>(b);
      b = static_cast<char>(cur / 62);
      rem = cur % 62;
    }
    digits.insert(digits.begin(), kAlphabet[rem]);
  }
  if (digits.size() < width) digits.insert(0, width - digits.size(), '0');
  return digits;
}

std::string OracleCheck(std::string_view signed_part) {
  uint32_t crc = static_cast<uint32_t>(
      crc32(0L, reinterpret_cast<const Bytef*>(signed_part.data()), static_cast<uInt>(signed_part.size())));
  std::string be = {static_cast<char>(crc >> 24), static_cast<char>(crc >> 16), static_cast<char>(crc >> 8),
                    static_cast<char>(crc)};
  return OracleBase62(be, 6);
}

// True when `v` is a well-formed secret by the letter of docs/spec.md, Secrets.
bool OracleAccepts(std::string_view v) {
  size_t p1 = v.find('_');
  if (p1 == std::string_view::npos || p1 < 2 || p1 > 8) return false;
  for (size_t i = 0; i < p1; ++i)
    if (v[i] < 'a' || v[i] > 'z') return false;
  std::string_view rest = v.substr(p1 + 1);
  if (rest.size() != 5 + 43 + 6) return false;
  if ((rest.substr(0, 5) != "live_" && rest.substr(0, 5) != "test_")) return false;
  for (char c : rest.substr(5))
    if (!InAlphabet(c)) return false;
  // The body is a 256-bit number: 43 base62 digits can spell slightly more, which the format's
  // encoder never produces but the checksum still covers; the parser is not asked to refuse it.
  return OracleCheck(v.substr(0, v.size() - 6)) == v.substr(v.size() - 6);
}

void CheckParse(std::string_view v) {
  auto parts = kl::ParseSecret(v);
  if (parts.has_value() != OracleAccepts(v)) Fail(parts ? "accepted, docs/spec.md (Secrets) says malformed" : "refused a valid secret", v);
  if (parts) {
    if (parts->prefix != v.substr(0, parts->prefix.size()) || (parts->environment != "live" && parts->environment != "test"))
      Fail("wrong parts", v);
    std::string obfuscated = kl::ObfuscateSecret(parts->prefix, parts->environment, v);
    if (obfuscated.size() < 4 || obfuscated.substr(obfuscated.size() - 4) != v.substr(v.size() - 4))
      Fail("obfuscated value does not end with the last 4 characters", v);
  }
}

// A valid secret from the input: prefix length and letters, environment, then 32 body bytes.
std::string BuildSecret(const uint8_t* data, size_t size) {
  size_t i = 0;
  auto next = [&]() -> uint8_t { return i < size ? data[i++] : 0; };
  size_t prefix_len = 2 + next() % 7;
  std::string value;
  for (size_t k = 0; k < prefix_len; ++k) value.push_back(static_cast<char>('a' + next() % 26));
  value += (next() & 1) ? "_test_" : "_live_";
  std::string body;
  for (int k = 0; k < 32; ++k) body.push_back(static_cast<char>(next()));
  value += OracleBase62(body, 43);
  value += OracleCheck(value);
  return value;
}

void CheckOneCharacterChanges(const std::string& valid, const uint8_t* data, size_t size) {
  // A handful of substitutions chosen by the input's tail (all 62*len would be too slow).
  for (size_t k = 0; k + 1 < size && k < 16; k += 2) {
    std::string changed = valid;
    size_t pos = data[size - 1 - k] % changed.size();
    char c = static_cast<char>(data[size - 2 - k]);
    if (c == changed[pos]) continue;
    changed[pos] = c;
    if (kl::ParseSecret(changed)) Fail("a one-character change still parses", changed);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view raw(reinterpret_cast<const char*>(data), size);
  CheckParse(raw);

  std::string built = BuildSecret(data, size);
  auto parts = kl::ParseSecret(built);
  if (!parts) Fail("a secret built as docs/spec.md (Secrets) describes does not parse", built);
  if (built.compare(0, parts->prefix.size() + 1, std::string(parts->prefix) + "_") != 0) Fail("prefix lost", built);
  CheckOneCharacterChanges(built, data, size);

  // The issuer agrees with the parser for every prefix and environment it can be given.
  std::string prefix(built.substr(0, built.find('_')));
  std::string env(parts->environment);
  kl::IssuedSecret issued = kl::IssueSecret(prefix, env);
  auto issued_parts = kl::ParseSecret(issued.value);
  if (!issued_parts || issued_parts->prefix != prefix || issued_parts->environment != env)
    Fail("an issued secret does not parse", issued.value);
  if (issued.obfuscated_value != kl::ObfuscateSecret(prefix, env, issued.value)) Fail("obfuscation differs", issued.value);
  CheckOneCharacterChanges(issued.value, data, size);
  return 0;
}
