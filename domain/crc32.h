// CRC-32 (the zlib/IEEE polynomial, identical results to zlib's crc32), by slicing-by-8 tables:
// a secret's checksum is computed on every validation, and zlib's crc32 takes about 3x longer on
// these ~57-byte inputs.
#pragma once
#include <cstdint>
#include <string_view>

namespace kl {

uint32_t Crc32(std::string_view data);

}  // namespace kl
