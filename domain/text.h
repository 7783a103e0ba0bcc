// Small text rules shared by the input checks.
#pragma once
#include <cstddef>
#include <string_view>

namespace kl {

// Code points in valid UTF-8 (the HTTP layer has already rejected invalid UTF-8).
size_t Utf8Length(std::string_view s);
// True when s is empty or only ASCII whitespace.
bool IsBlank(std::string_view s);
// True when s contains a control character (< 0x20 or 0x7f), e.g. CR/LF smuggled into a name.
bool HasControlChars(std::string_view s);

}  // namespace kl
