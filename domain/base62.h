// Base62 with the alphabet 0-9A-Za-z, as docs/spec.md, Secrets, defines for secrets and tokens.
#pragma once
#include <cstdint>
#include <string>
#include <string_view>

namespace kl {

// `bytes` read as one big-endian unsigned integer, in base62, left-padded with '0' to `width`.
std::string Base62Encode(const uint8_t* bytes, size_t n, size_t width);
std::string Base62EncodeU32(uint32_t value, size_t width);
// Whether `text` is exactly Base62EncodeU32(value, text.size()), without allocating (hot path).
bool Base62EqualsU32(std::string_view text, uint32_t value);
bool IsBase62(std::string_view s);

}  // namespace kl
