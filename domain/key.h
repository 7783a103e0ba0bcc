// The API key aggregate: its state, evolve(), the decide() functions of its commands, and the
// validation decision (docs/spec.md, Validation) that the hot path calls.
#pragma once
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "domain/cidr.h"
#include "domain/command.h"
#include "domain/event.h"
#include "domain/org.h"
#include "domain/status.h"

namespace kl {

struct KeyState {
  std::string id;
  std::string org_id;
  std::string name;
  std::optional<std::string> description;
  std::string secret_hash_hex;
  std::string obfuscated_value;
  std::string prefix;
  std::string environment;
  std::vector<std::string> permissions;
  std::string permission_set;
  Owner owner;
  std::optional<std::string> project_id;
  nlohmann::json metadata = nlohmann::json::object();
  std::string status = "active";  // as recorded by events: active | revoked | expired
  Millis created_at = 0;
  Actor created_by;
  Millis updated_at = 0;
  std::optional<Millis> expires_at;
  std::optional<Millis> revoked_at;
  std::optional<std::string> revoke_reason;
  std::optional<Millis> expired_at;
  std::optional<std::string> rotated_from;
  std::optional<std::string> rotated_to;
  std::optional<Millis> last_used_at;
  std::optional<std::string> last_used_ip;
  std::optional<std::string> last_used_user_agent;
  int64_t usage_count = 0;
  bool enabled = true;
  std::vector<std::string> ip_allowlist;
  std::optional<Credits> credits;
  std::optional<RateLimit> ratelimit;
  std::optional<Millis> credits_refilled_at;  // last time credits were set or refilled
  // Derived warnings (docs/events.md, domain/key_warnings.h): what was already warned, so each fires once.
  int64_t credits_basis = 0;        // what credits were last set to (create, PATCH) or refilled to
  bool credits_low_warned = false;  // a KeyCreditsLow since then
  std::optional<Millis> expiry_warned_for;          // the expires_at of the last KeyExpiringSoon
  std::optional<std::string> expiry_warned_window;  // and its window, "7d" or "1d"
  uint64_t version = 0;
  uint64_t created_seq = 0;  // seq of KeyCreated: orders listings newest first
  bool imported = false;     // imported by its hash (docs/spec.md, Importing keys)
  std::vector<std::string> roles;  // role names granted to the key, in grant order (docs/access.md)

  // The status as read at `now`: a key past expires_at reads "expired" before KeyExpired exists.
  std::string StatusAt(Millis now) const;
  bool HasPermission(const std::string& permission) const;
};

// Folds one key-stream event. `state` is nullopt before KeyCreated.
void EvolveKey(std::optional<KeyState>& state, const Event& event);
// The same, for a caller done with `event`: a KeyCreated's strings and lists move into the state
// instead of being copied (a replay creates every key this way). `event` is left valid but
// unspecified.
void EvolveKey(std::optional<KeyState>& state, Event&& event);

// The permissions a permission set expands to (docs/spec.md, Permissions); empty for "custom".
const std::vector<std::string>& PermissionSetScopes(const std::string& set);
bool IsManagementScope(const std::string& permission);
// ^[a-z0-9_.:*-]{1,64}$: the rule for a permission, and for a role's name (docs/access.md).
bool IsPermissionString(const std::string& p);

struct CreateKeyInput {
  std::optional<std::string> name;
  std::optional<std::string> description;
  std::optional<std::vector<std::string>> permissions;
  std::optional<std::string> permission_set;
  std::optional<Owner> owner;
  std::optional<std::string> project_id;
  std::optional<std::string> environment;
  std::optional<std::string> prefix;
  std::optional<std::string> expires_at;  // RFC 3339 text, checked here
  std::optional<int64_t> ttl_seconds;
  std::optional<nlohmann::json> metadata;
  // Policy gates (docs/policy-gates.md).
  std::optional<bool> enabled;
  std::optional<std::vector<std::string>> ip_allowlist;
  std::optional<Credits> credits;
  std::optional<RateLimit> ratelimit;
  std::optional<std::vector<std::string>> roles;  // each must name a role of the org (docs/access.md)
  // From the Idempotency-Key header: hashes recorded in KeyCreated (never the raw values).
  std::optional<std::string> idempotency_key_sha256;
  std::optional<std::string> request_sha256;
};

struct CreatedKey {
  std::vector<Event> events;
  std::string key_id;
  std::string secret_value;  // plaintext: returned once, never stored
};

// The rules of docs/spec.md, Creating keys, and the org's state, checked as DecideCreateKey checks
// them: the KeyCreated they allow, without its secret (secret_hash_hex and obfuscated_value are
// left empty for the caller: DecideCreateKey issues a secret, DecideImportKey takes a hash).
Result<KeyCreated> DecideKeyCreated(const std::optional<OrgState>& org, const std::string& org_id,
                                    const CreateKeyInput& in, FieldErrors type_errors, const CommandContext& ctx);

// Checks every rule of docs/spec.md, Creating keys (all violations at once, merged with the caller's type errors),
// then the org's state (404/402), then issues the secret.
Result<CreatedKey> DecideCreateKey(const std::optional<OrgState>& org, const std::string& org_id,
                                   const CreateKeyInput& in, FieldErrors type_errors, const CommandContext& ctx);

// Revoking a revoked key appends nothing (an empty vector).
Result<std::vector<Event>> DecideRevokeKey(const KeyState& key, const std::optional<std::string>& reason,
                                           const CommandContext& ctx);
Status CheckRevokeReason(const std::optional<std::string>& reason);

struct UpdateKeyInput {
  std::optional<std::string> name;
  std::optional<std::optional<std::string>> description;  // null clears
  std::optional<std::vector<std::string>> permissions;
  std::optional<std::optional<std::string>> expires_at;   // RFC 3339 text; null clears
  std::optional<nlohmann::json> metadata;
  std::optional<bool> enabled;                             // false: KeyDisabled, true: KeyEnabled
  std::optional<std::string> reason;                       // carried by KeyDisabled / KeyEnabled
  std::optional<std::vector<std::string>> ip_allowlist;
  std::optional<std::optional<Credits>> credits;           // null removes the gate
  std::optional<std::optional<RateLimit>> ratelimit;       // null removes the gate
  std::optional<uint64_t> if_match;                        // expected version (If-Match)
};
// 412 on an If-Match mismatch, 409 on a revoked or expired key, 402 in an inactive org;
// appends a KeyUpdated carrying only what changed (nothing when nothing changes).
Result<std::vector<Event>> DecideUpdateKey(const KeyState& key, const OrgState& org, const UpdateKeyInput& in,
                                           FieldErrors type_errors, const CommandContext& ctx);

inline constexpr int64_t kMaxGraceSeconds = 2592000;
// KeyCreated for the successor (copying name, permissions, owner, project, metadata,
// environment, prefix) and KeyRotated on the old key, whose expires_at becomes now + grace.
// The successor has no expiry unless `keep_expiry` (the rotate body's `keep_expiry`; Unkey's
// reroll), when it keeps the old key's expires_at (docs/spec.md, Rotation).
Result<CreatedKey> DecideRotateKey(const KeyState& key, const OrgState& org, std::optional<int64_t> grace_seconds,
                                   FieldErrors type_errors, const CommandContext& ctx, bool keep_expiry = false);

// When a key's credits refill next (the first UTC day or month boundary after the last refill).
std::optional<Millis> NextCreditRefill(const KeyState& key);
// KeyCreditsRefilled (actor system) once a refill is due; nothing otherwise.
std::vector<Event> DecideRefillCredits(const KeyState& key, const CommandContext& ctx);

// KeyExpired once an active key is past expires_at (actor system); nothing otherwise.
std::vector<Event> DecideExpireKey(const KeyState& key, const CommandContext& ctx);

// The validation codes (docs/spec.md, Validation), in the order they are checked.
enum class ValidationCode {
  kValid, kMalformed, kNotFound, kTenantInactive, kRevoked, kExpired, kDisabled, kIpNotAllowed,
  kInsufficientPermissions, kRateLimited, kUsageExceeded,
};
const char* ValidationCodeName(ValidationCode code);

// The checks that need only the key, its org and the request (TENANT_INACTIVE ..
// INSUFFICIENT_PERMISSIONS); RATE_LIMITED and USAGE_EXCEEDED need the live counters.
ValidationCode CheckKeyForUse(const KeyState& key, const std::string& org_status, Millis now,
                              const std::vector<std::string>& required_permissions,
                              const std::optional<IpAddress>& ip = std::nullopt);

// Gate rules (docs/policy-gates.md), each violation recorded under its field name.
inline constexpr size_t kMaxIpAllowlist = 32;
inline constexpr int64_t kMinRateWindowMs = 100, kMaxRateWindowMs = 86400000;
void CheckIpAllowlist(const std::vector<std::string>& cidrs, FieldErrors& errors);
void CheckCredits(const Credits& credits, FieldErrors& errors);
void CheckRateLimit(const RateLimit& ratelimit, FieldErrors& errors);

}  // namespace kl
