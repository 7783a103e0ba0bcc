// RFC 3339 timestamps: rendered as UTC with milliseconds ("2026-11-22T14:06:00.123Z"),
// parsed with any offset and any number of fractional digits (truncated to milliseconds).
#pragma once
#include <optional>
#include <string>
#include <string_view>

#include "domain/event.h"

namespace kl {

std::string FormatTime(Millis t);
std::optional<Millis> ParseTime(std::string_view text);
Millis NowMillis();

}  // namespace kl
