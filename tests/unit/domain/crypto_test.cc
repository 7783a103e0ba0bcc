// Hashing, hex and HMAC over OpenSSL (domain/crypto.h).
#include <catch2/catch.hpp>

#include <cctype>
#include <random>
#include <string>

#include "domain/crypto.h"

using namespace kl;

TEST_CASE("Sha256 gives the standard digests") {
  CHECK(ToHex(Sha256("")) == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  CHECK(ToHex(Sha256("abc")) == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  std::string two_blocks = "kl_live_" + std::string(49, 'x');
  Hash32 zero{};
  // Sha256Concat still goes through EVP: the two APIs agree on the same bytes.
  std::string joined(reinterpret_cast<const char*>(zero.data()), zero.size());
  joined += two_blocks;
  CHECK(Sha256(joined) == Sha256Concat(zero, two_blocks));
}

TEST_CASE("HashFromHex reads what ToHex writes, either case, and refuses every other byte") {
  std::mt19937 rng(11);
  for (int round = 0; round < 100; ++round) {
    Hash32 h;
    for (auto& b : h) b = static_cast<uint8_t>(rng());
    std::string hex = ToHex(h);
    REQUIRE(HashFromHex(hex) == h);
    for (auto& c : hex) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    REQUIRE(HashFromHex(hex) == h);
  }
  const std::string good = ToHex(Sha256("abc"));
  for (int c = 0; c < 256; ++c) {
    bool digit = (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
    for (size_t at : {size_t{0}, size_t{1}, size_t{62}, size_t{63}}) {
      std::string hex = good;
      hex[at] = static_cast<char>(c);
      INFO("byte " << c << " at " << at);
      REQUIRE(HashFromHex(hex).has_value() == digit);
    }
  }
  CHECK_FALSE(HashFromHex(good.substr(0, 63)).has_value());
  CHECK_FALSE(HashFromHex(good + "0").has_value());
  CHECK_FALSE(HashFromHex("").has_value());
}
