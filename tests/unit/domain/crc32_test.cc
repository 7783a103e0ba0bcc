// The secret checksum's CRC-32 agrees with zlib's (domain/crc32.h).
#include <catch2/catch.hpp>

#include <zlib.h>
#include <random>
#include <string>

#include "domain/crc32.h"

using namespace kl;

TEST_CASE("Crc32 equals zlib's crc32 at every length and alignment") {
  std::mt19937 rng(7);
  std::string data(300, '\0');
  for (auto& c : data) c = static_cast<char>(rng());
  for (size_t offset = 0; offset < 8; ++offset)
    for (size_t n = 0; n + offset <= data.size(); ++n) {
      std::string_view s(data.data() + offset, n);
      uint32_t want = static_cast<uint32_t>(crc32(0L, reinterpret_cast<const Bytef*>(s.data()), static_cast<uInt>(n)));
      REQUIRE(Crc32(s) == want);
    }
  CHECK(Crc32("123456789") == 0xCBF43926u);  // the CRC-32 check value
}
