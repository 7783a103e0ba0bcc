// RFC 3339 timestamps: rendered as UTC with milliseconds ("2026-11-22T14:06:00.123Z"),
// parsed with any offset and any number of fractional digits (truncated to milliseconds).
#pragma once
#include <optional>
#include <string>
#include <string_view>

#include "domain/event.h"

namespace kl {

std::string FormatTime(Millis t);
// The same into a caller's buffer (no allocation); returns the length written.
size_t FormatTimeTo(Millis t, char (&buf)[32]);
std::optional<Millis> ParseTime(std::string_view text);
Millis NowMillis();

}  // namespace kl
