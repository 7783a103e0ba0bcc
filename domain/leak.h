// Leaked-key reports (docs/api.md): a secret-scanning service found a token in public; when it is one
// of our keys' full secrets, record the report and revoke that key.
#pragma once
#include <string>
#include <vector>

#include "domain/command.h"
#include "domain/key.h"
#include "domain/status.h"

namespace kl {

inline constexpr const char* kLeakRevokeReason = "leaked";
// Reports per request: a scanner's batch is small; the bound keeps one append (and its fsync)
// bounded too. The 64 KiB body limit already caps a request at roughly this many real tokens.
inline constexpr size_t kMaxLeakReports = 1000;
inline constexpr size_t kMaxLeakUrlChars = 2048, kMaxLeakTextChars = 200;

// One entry of the report, without its token (the route hashes and matches the token; nothing
// after that needs or keeps it).
struct LeakReport {
  std::string type;    // the scanner's name for the token type ("keyledger_api_key")
  std::string url;     // where the token was found
  std::string source;  // "content", "commit", "github", ...
};

// Length rules, recorded under "[<index>].<field>" (the convention of POST /v1/leaks).
void CheckLeakReport(const LeakReport& report, size_t index, FieldErrors& errors);

// The events for one report of `key`'s full secret: KeyLeakReported always (every report is
// recorded, also on a key already revoked: the audit trail shows each time it was seen in
// public), then KeyRevoked{reason "leaked"} unless the key is already revoked. The caller
// appends them with the key's other events in one atomic append.
std::vector<Event> DecideLeakReport(const KeyState& key, const LeakReport& report, const CommandContext& ctx);

}  // namespace kl
