// ULID-based identifiers: org_, key_, evt_, exp_, whk_ + 26 Crockford base32 characters.
#pragma once
#include <string>
#include <string_view>

#include "domain/event.h"

namespace kl {

// A ULID for `now`: 48-bit millisecond time then 80 random bits, Crockford base32, 26 chars.
std::string NewUlid(Millis now);
// "<prefix>_" + NewUlid(now), e.g. NewId("key", now).
std::string NewId(std::string_view prefix, Millis now);
// "req_" + a ULID, for a request without its own id: unique (80 random bits per thread and
// millisecond), ordered only among the ids of one thread. Cheap: no process-wide lock.
std::string NewRequestId(Millis now);
// True for "<prefix>_" followed by a well-formed ULID.
bool IsId(std::string_view id, std::string_view prefix);
// A caller-chosen org slug: [a-z0-9][a-z0-9-]{2,63}.
bool IsOrgSlug(std::string_view id);

}  // namespace kl
