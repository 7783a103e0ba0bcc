#include "domain/key.h"

#include <algorithm>

#include "domain/cidr.h"
#include "domain/crypto.h"
#include "domain/ids.h"
#include "domain/role.h"
#include "domain/secret.h"
#include "domain/text.h"
#include "domain/time.h"

namespace kl {

std::string KeyState::StatusAt(Millis now) const {
  if (status != "active") return status;
  if (expires_at && now >= *expires_at) return "expired";
  return status;
}

bool KeyState::HasPermission(const std::string& p) const {
  for (const auto& have : permissions)
    if (have == p) return true;
  return false;
}

namespace {
// A KeyCreated's state. `Created` is `const KeyCreated&` (copied) or `KeyCreated` (an rvalue:
// its strings and lists are moved into the state).
template <typename Created>
KeyState CreatedState(const Event& e, Created&& c) {
  KeyState k;
  k.id = *e.key_id;
  k.org_id = e.org_id;
  k.name = std::forward<Created>(c).name;
  k.description = std::forward<Created>(c).description;
  k.secret_hash_hex = std::forward<Created>(c).secret_hash_hex;
  k.obfuscated_value = std::forward<Created>(c).obfuscated_value;
  k.prefix = std::forward<Created>(c).prefix;
  k.environment = std::forward<Created>(c).environment;
  k.permissions = std::forward<Created>(c).permissions;
  k.permission_set = std::forward<Created>(c).permission_set;
  k.owner = std::forward<Created>(c).owner;
  k.project_id = std::forward<Created>(c).project_id;
  k.metadata = std::forward<Created>(c).metadata;
  k.created_at = k.updated_at = e.recorded_at;
  k.created_by = e.actor;
  k.expires_at = c.expires_at;
  k.rotated_from = std::forward<Created>(c).rotated_from;
  k.enabled = c.enabled;
  k.ip_allowlist = std::forward<Created>(c).ip_allowlist;
  k.credits = c.credits;
  k.ratelimit = c.ratelimit;
  if (k.credits) k.credits_refilled_at = e.recorded_at;
  k.credits_basis = k.credits ? k.credits->remaining : 0;
  k.created_seq = e.seq;
  k.imported = c.imported;
  k.roles = std::forward<Created>(c).roles;
  return k;
}

// Everything but the creation itself (which every event, KeyCreated included, then goes through).
void ApplyToKey(std::optional<KeyState>& state, const Event& e);
}  // namespace

void EvolveKey(std::optional<KeyState>& state, const Event& e) {
  if (const auto* c = std::get_if<KeyCreated>(&e.data)) state = CreatedState(e, *c);
  ApplyToKey(state, e);
}

void EvolveKey(std::optional<KeyState>& state, Event&& e) {
  if (auto* c = std::get_if<KeyCreated>(&e.data)) state = CreatedState(e, std::move(*c));
  ApplyToKey(state, e);
}

namespace {
void ApplyToKey(std::optional<KeyState>& state, const Event& e) {
  if (!state) return;
  KeyState& k = *state;
  k.version = e.stream_version;
  std::visit(
      [&](const auto& d) {
        using T = std::decay_t<decltype(d)>;
        if constexpr (std::is_same_v<T, KeyUpdated>) {
          if (d.name) k.name = *d.name;
          if (d.description) k.description = *d.description;
          if (d.permissions) k.permissions = *d.permissions;
          if (d.expires_at) k.expires_at = *d.expires_at;
          if (d.metadata) k.metadata = *d.metadata;
          if (d.ip_allowlist) k.ip_allowlist = *d.ip_allowlist;
          if (d.credits) {
            k.credits = *d.credits;
            k.credits_refilled_at = *d.credits ? std::optional<Millis>(e.recorded_at) : std::nullopt;
            k.credits_basis = *d.credits ? (*d.credits)->remaining : 0;
            k.credits_low_warned = false;  // a new amount: its low mark may be warned again
          }
          if (d.ratelimit) k.ratelimit = *d.ratelimit;
          k.updated_at = e.recorded_at;
        } else if constexpr (std::is_same_v<T, KeyUsed>) {
          k.usage_count += d.count;
          if (!k.last_used_at || d.last_at >= *k.last_used_at) {
            k.last_used_at = d.last_at;
            k.last_used_ip = d.ip;
            k.last_used_user_agent = d.user_agent;
          }
          if (k.credits) k.credits->remaining = std::max<int64_t>(0, k.credits->remaining - d.credits_spent);
        } else if constexpr (std::is_same_v<T, KeyRevoked>) {
          k.status = "revoked";
          k.revoked_at = e.recorded_at;
          k.revoke_reason = d.reason;
          k.updated_at = e.recorded_at;
        } else if constexpr (std::is_same_v<T, KeyExpired>) {
          if (k.status == "active") k.status = "expired";
          k.expired_at = e.recorded_at;
          k.updated_at = e.recorded_at;
        } else if constexpr (std::is_same_v<T, KeyRotated>) {
          k.rotated_to = d.new_key_id;
          k.expires_at = d.grace_until;
          k.updated_at = e.recorded_at;
        } else if constexpr (std::is_same_v<T, KeyDisabled>) {
          k.enabled = false;
          k.updated_at = e.recorded_at;
        } else if constexpr (std::is_same_v<T, KeyEnabled>) {
          k.enabled = true;
          k.updated_at = e.recorded_at;
        } else if constexpr (std::is_same_v<T, KeyCreditsRefilled>) {
          if (k.credits) k.credits->remaining = d.remaining;
          k.credits_refilled_at = e.recorded_at;
          k.credits_basis = d.amount;
          k.credits_low_warned = false;
        } else if constexpr (std::is_same_v<T, KeyExpiringSoon>) {
          k.expiry_warned_for = d.expires_at;
          k.expiry_warned_window = d.window;
        } else if constexpr (std::is_same_v<T, KeyCreditsLow>) {
          k.credits_low_warned = true;
        } else if constexpr (std::is_same_v<T, RoleGranted>) {
          if (std::find(k.roles.begin(), k.roles.end(), d.role) == k.roles.end()) k.roles.push_back(d.role);
          k.updated_at = e.recorded_at;
        } else if constexpr (std::is_same_v<T, RoleRevoked>) {
          std::erase(k.roles, d.role);
          k.updated_at = e.recorded_at;
        }
      },
      e.data);
}
}  // namespace

const std::vector<std::string>& PermissionSetScopes(const std::string& set) {
  static const std::vector<std::string> kFull = {"apikeys:read", "apikeys:write", "apikeys:validate", "events:read",
                                                 "exports:read"};
  static const std::vector<std::string> kReadOnly = {"apikeys:read", "events:read"};
  static const std::vector<std::string> kValidator = {"apikeys:validate"};
  static const std::vector<std::string> kNone;
  if (set == "full_access") return kFull;
  if (set == "read_only") return kReadOnly;
  if (set == "validator") return kValidator;
  return kNone;
}

bool IsManagementScope(const std::string& p) {
  return p == "apikeys:read" || p == "apikeys:write" || p == "apikeys:validate" || p == "events:read" ||
         p == "exports:read" || p == "leaks:report";
}

bool IsPermissionString(const std::string& p) {
  if (p.empty() || p.size() > 64) return false;
  for (char c : p) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '.' || c == ':' || c == '*' ||
              c == '-';
    if (!ok) return false;
  }
  return true;
}

static bool IsPrefix(const std::string& p) {
  if (p.size() < 2 || p.size() > 8) return false;
  return std::all_of(p.begin(), p.end(), [](char c) { return c >= 'a' && c <= 'z'; });
}

static bool IsFreeText(const std::string& s, size_t max) { return Utf8Length(s) <= max; }

constexpr int64_t kMaxTtlSeconds = 315360000;
constexpr size_t kMaxMetadataBytes = 4096;

Result<KeyCreated> DecideKeyCreated(const std::optional<OrgState>& org, const std::string& org_id,
                                    const CreateKeyInput& in, FieldErrors errors, const CommandContext& ctx) {
  auto fail = [&](const char* field, const char* msg) {
    if (!errors.count(field)) errors[field] = msg;
  };
  if (!in.name) fail("name", "is required");
  else if (Utf8Length(*in.name) < 1 || Utf8Length(*in.name) > 200 || IsBlank(*in.name))
    fail("name", "must be 1..200 characters");
  if (in.description && !IsFreeText(*in.description, 1000)) fail("description", "must be at most 1000 characters");
  if (in.permissions) {
    if (in.permissions->size() > 64) fail("permissions", "must hold at most 64 permissions");
    for (const auto& p : *in.permissions)
      if (!IsPermissionString(p)) fail("permissions", "each must match ^[a-z0-9_.:*-]{1,64}$");
  }
  std::string set = in.permission_set.value_or("custom");
  if (set != "full_access" && set != "read_only" && set != "validator" && set != "custom")
    fail("permission_set", "must be one of full_access, read_only, validator, custom");
  if (in.owner) {
    const auto& t = in.owner->type;
    if (t != "organization" && t != "user" && t != "service_account")
      fail("owner.type", "must be one of organization, user, service_account");
    if (in.owner->id.empty() || in.owner->id.size() > 200) fail("owner.id", "must be 1..200 characters");
  }
  if (in.project_id && (in.project_id->empty() || in.project_id->size() > 200))
    fail("project_id", "must be 1..200 characters");
  std::string env = in.environment.value_or("live");
  if (env != "live" && env != "test") fail("environment", "must be live or test");
  std::string prefix = in.prefix.value_or("sk");
  if (!IsPrefix(prefix)) fail("prefix", "must match ^[a-z]{2,8}$");
  std::optional<Millis> expires_at;
  if (in.expires_at && in.ttl_seconds) {
    fail("expires_at", "give expires_at or ttl_seconds, not both");
    fail("ttl_seconds", "give expires_at or ttl_seconds, not both");
  } else if (in.expires_at) {
    expires_at = ParseTime(*in.expires_at);
    if (!expires_at) fail("expires_at", "must be an RFC 3339 timestamp");
    else if (*expires_at <= ctx.now) fail("expires_at", "must be in the future");
  } else if (in.ttl_seconds) {
    if (*in.ttl_seconds < 1 || *in.ttl_seconds > kMaxTtlSeconds) fail("ttl_seconds", "must be 1..315360000");
    else expires_at = ctx.now + *in.ttl_seconds * 1000;
  }
  if (in.metadata) {
    if (!in.metadata->is_object()) fail("metadata", "must be an object");
    else if (in.metadata->dump().size() > kMaxMetadataBytes) fail("metadata", "must be at most 4 KiB serialized");
  }
  if (in.ip_allowlist) CheckIpAllowlist(*in.ip_allowlist, errors);
  if (in.credits) CheckCredits(*in.credits, errors);
  if (in.ratelimit) CheckRateLimit(*in.ratelimit, errors);
  if (in.roles) CheckRoleNames(*in.roles, org, errors);
  if (!errors.empty()) return Status::Validation(std::move(errors));

  if (!org) return Status(Code::kNotFound, "organization not found");
  if (org->status != "active")
    return Status(Code::kTenantInactive, "the organization is not active").WithDetail("status", org->status);

  std::vector<std::string> permissions = PermissionSetScopes(set);
  for (const auto& p : in.permissions.value_or(std::vector<std::string>{}))
    if (std::find(permissions.begin(), permissions.end(), p) == permissions.end()) permissions.push_back(p);

  KeyCreated c;
  c.name = *in.name;
  c.description = in.description;
  c.prefix = prefix;
  c.environment = env;
  c.permissions = std::move(permissions);
  c.permission_set = set;
  c.owner = in.owner.value_or(Owner{"organization", org_id});
  c.project_id = in.project_id;
  c.metadata = in.metadata.value_or(nlohmann::json::object());
  c.expires_at = expires_at;
  c.enabled = in.enabled.value_or(true);
  c.ip_allowlist = in.ip_allowlist.value_or(std::vector<std::string>{});
  c.credits = in.credits;
  c.ratelimit = in.ratelimit;
  c.idempotency_key_sha256 = in.idempotency_key_sha256;
  c.request_sha256 = in.request_sha256;
  for (const auto& r : in.roles.value_or(std::vector<std::string>{}))
    if (std::find(c.roles.begin(), c.roles.end(), r) == c.roles.end()) c.roles.push_back(r);
  return c;
}

Result<CreatedKey> DecideCreateKey(const std::optional<OrgState>& org, const std::string& org_id,
                                   const CreateKeyInput& in, FieldErrors type_errors, const CommandContext& ctx) {
  auto checked = DecideKeyCreated(org, org_id, in, std::move(type_errors), ctx);
  if (!checked.ok()) return checked.status();
  KeyCreated c = std::move(*checked);
  IssuedSecret secret = IssueSecret(c.prefix, c.environment);
  c.secret_hash_hex = ToHex(secret.hash);
  c.obfuscated_value = secret.obfuscated_value;
  CreatedKey out;
  out.key_id = NewId("key", ctx.now);
  out.secret_value = std::move(secret.value);
  out.events.push_back(NewEvent(ctx, org_id, out.key_id, 1, std::move(c)));
  return out;
}

Status CheckRevokeReason(const std::optional<std::string>& reason) {
  if (reason && Utf8Length(*reason) > 500) return Status::Validation({{"reason", "must be at most 500 characters"}});
  return Status::Ok();
}

Result<std::vector<Event>> DecideRevokeKey(const KeyState& key, const std::optional<std::string>& reason,
                                           const CommandContext& ctx) {
  if (Status s = CheckRevokeReason(reason); !s.ok()) return s;
  if (key.status == "revoked") return std::vector<Event>{};
  return std::vector<Event>{NewEvent(ctx, key.org_id, key.id, key.version + 1, KeyRevoked{reason})};
}

static Status CheckMutable(const KeyState& key, const OrgState& org, Millis now) {
  std::string status = key.StatusAt(now);
  if (status != "active") return Status(Code::kConflict, "the key is " + status + " and can no longer change");
  if (org.status != "active")
    return Status(Code::kTenantInactive, "the organization is not active").WithDetail("status", org.status);
  return Status::Ok();
}

Result<std::vector<Event>> DecideUpdateKey(const KeyState& key, const OrgState& org, const UpdateKeyInput& in,
                                           FieldErrors errors, const CommandContext& ctx) {
  auto fail = [&](const char* field, const char* msg) {
    if (!errors.count(field)) errors[field] = msg;
  };
  if (in.name && (Utf8Length(*in.name) < 1 || Utf8Length(*in.name) > 200 || IsBlank(*in.name)))
    fail("name", "must be 1..200 characters");
  if (in.description && *in.description && !IsFreeText(**in.description, 1000))
    fail("description", "must be at most 1000 characters");
  if (in.permissions) {
    if (in.permissions->size() > 64) fail("permissions", "must hold at most 64 permissions");
    for (const auto& p : *in.permissions)
      if (!IsPermissionString(p)) fail("permissions", "each must match ^[a-z0-9_.:*-]{1,64}$");
  }
  std::optional<std::optional<Millis>> expires_at;
  if (in.expires_at) {
    if (!*in.expires_at) {
      expires_at = std::optional<Millis>{};
    } else if (auto t = ParseTime(**in.expires_at); !t) {
      fail("expires_at", "must be an RFC 3339 timestamp or null");
    } else if (*t <= ctx.now) {
      fail("expires_at", "must be in the future");
    } else {
      expires_at = std::optional<Millis>{*t};
    }
  }
  if (in.metadata) {
    if (!in.metadata->is_object()) fail("metadata", "must be an object");
    else if (in.metadata->dump().size() > kMaxMetadataBytes) fail("metadata", "must be at most 4 KiB serialized");
  }
  if (in.ip_allowlist) CheckIpAllowlist(*in.ip_allowlist, errors);
  if (in.credits && *in.credits) CheckCredits(**in.credits, errors);
  if (in.ratelimit && *in.ratelimit) CheckRateLimit(**in.ratelimit, errors);
  if (in.reason && Utf8Length(*in.reason) > 500) fail("reason", "must be at most 500 characters");
  if (!errors.empty()) return Status::Validation(std::move(errors));
  if (in.if_match && *in.if_match != key.version)
    return Status(Code::kPreconditionFailed, "the key is at version " + std::to_string(key.version));
  if (Status s = CheckMutable(key, org, ctx.now); !s.ok()) return s;

  KeyUpdated u;
  if (in.name && *in.name != key.name) u.name = in.name;
  if (in.description && *in.description != key.description) u.description = *in.description;
  if (in.permissions && *in.permissions != key.permissions) u.permissions = in.permissions;
  if (expires_at && *expires_at != key.expires_at) u.expires_at = *expires_at;
  if (in.metadata && *in.metadata != key.metadata) u.metadata = in.metadata;
  if (in.ip_allowlist && *in.ip_allowlist != key.ip_allowlist) u.ip_allowlist = in.ip_allowlist;
  if (in.credits && *in.credits != key.credits) u.credits = *in.credits;
  if (in.ratelimit && *in.ratelimit != key.ratelimit) u.ratelimit = *in.ratelimit;
  std::vector<Event> out;
  uint64_t v = key.version;
  if (u.name || u.description || u.permissions || u.expires_at || u.metadata || u.ip_allowlist || u.credits ||
      u.ratelimit)
    out.push_back(NewEvent(ctx, key.org_id, key.id, ++v, std::move(u)));
  // Suspension is its own event: reversible, unlike revocation, and visible as such in history.
  if (in.enabled && *in.enabled != key.enabled) {
    if (*in.enabled) out.push_back(NewEvent(ctx, key.org_id, key.id, ++v, KeyEnabled{in.reason}));
    else out.push_back(NewEvent(ctx, key.org_id, key.id, ++v, KeyDisabled{in.reason}));
  }
  return out;
}

Result<CreatedKey> DecideRotateKey(const KeyState& key, const OrgState& org, std::optional<int64_t> grace_seconds,
                                   FieldErrors errors, const CommandContext& ctx, bool keep_expiry) {
  if (grace_seconds && (*grace_seconds < 0 || *grace_seconds > kMaxGraceSeconds))
    errors["grace_seconds"] = "must be 0..2592000";
  if (!errors.empty()) return Status::Validation(std::move(errors));
  if (key.rotated_to) return Status(Code::kConflict, "the key was already rotated to " + *key.rotated_to);
  if (Status s = CheckMutable(key, org, ctx.now); !s.ok()) return s;

  IssuedSecret secret = IssueSecret(key.prefix, key.environment);
  KeyCreated c;
  c.name = key.name;
  c.description = key.description;
  c.secret_hash_hex = ToHex(secret.hash);
  c.obfuscated_value = secret.obfuscated_value;
  c.prefix = key.prefix;
  c.environment = key.environment;
  c.permissions = key.permissions;
  c.permission_set = key.permission_set;
  c.owner = key.owner;
  c.project_id = key.project_id;
  c.metadata = key.metadata;
  c.rotated_from = key.id;
  c.enabled = key.enabled;
  c.ip_allowlist = key.ip_allowlist;
  c.credits = key.credits;
  c.ratelimit = key.ratelimit;
  c.roles = key.roles;
  if (keep_expiry) c.expires_at = key.expires_at;

  CreatedKey out;
  out.key_id = NewId("key", ctx.now);
  out.secret_value = std::move(secret.value);
  Millis grace_until = ctx.now + grace_seconds.value_or(0) * 1000;
  out.events.push_back(NewEvent(ctx, key.org_id, out.key_id, 1, std::move(c)));
  out.events.push_back(NewEvent(ctx, key.org_id, key.id, key.version + 1, KeyRotated{out.key_id, grace_until}));
  return out;
}

std::optional<Millis> NextCreditRefill(const KeyState& key) {
  if (key.status != "active" || !key.credits || !key.credits->refill || !key.credits_refilled_at) return std::nullopt;
  constexpr Millis kDay = 86400000;
  Millis last = *key.credits_refilled_at;
  if (key.credits->refill->interval == "daily") return (last / kDay + 1) * kDay;
  // Monthly: midnight UTC on the first day of the next month.
  std::string t = FormatTime(last);  // YYYY-MM-...
  int year = std::stoi(t.substr(0, 4)), month = std::stoi(t.substr(5, 2));
  if (++month == 13) {
    month = 1;
    ++year;
  }
  char buf[32];
  std::snprintf(buf, sizeof buf, "%04d-%02d-01T00:00:00Z", year, month);
  return ParseTime(buf);
}

std::vector<Event> DecideRefillCredits(const KeyState& key, const CommandContext& ctx) {
  auto due = NextCreditRefill(key);
  if (!due || *due > ctx.now) return {};
  int64_t amount = key.credits->refill->amount;
  return {NewEvent(ctx, key.org_id, key.id, key.version + 1, KeyCreditsRefilled{amount, amount})};
}

std::vector<Event> DecideExpireKey(const KeyState& key, const CommandContext& ctx) {
  if (key.status != "active" || !key.expires_at || *key.expires_at > ctx.now) return {};
  return {NewEvent(ctx, key.org_id, key.id, key.version + 1, KeyExpired{*key.expires_at})};
}

const char* ValidationCodeName(ValidationCode code) {
  switch (code) {
    case ValidationCode::kValid: return "VALID";
    case ValidationCode::kMalformed: return "MALFORMED";
    case ValidationCode::kNotFound: return "NOT_FOUND";
    case ValidationCode::kTenantInactive: return "TENANT_INACTIVE";
    case ValidationCode::kRevoked: return "REVOKED";
    case ValidationCode::kExpired: return "EXPIRED";
    case ValidationCode::kDisabled: return "DISABLED";
    case ValidationCode::kIpNotAllowed: return "IP_NOT_ALLOWED";
    case ValidationCode::kInsufficientPermissions: return "INSUFFICIENT_PERMISSIONS";
    case ValidationCode::kRateLimited: return "RATE_LIMITED";
    case ValidationCode::kUsageExceeded: return "USAGE_EXCEEDED";
  }
  return "NOT_FOUND";
}

void CheckIpAllowlist(const std::vector<std::string>& cidrs, FieldErrors& errors) {
  if (cidrs.size() > kMaxIpAllowlist) errors["ip_allowlist"] = "must hold at most 32 CIDRs";
  for (const auto& c : cidrs)
    if (!ParseCidr(c)) {
      errors["ip_allowlist"] = "each must be an IPv4 or IPv6 CIDR such as 203.0.113.0/24";
      break;
    }
}

void CheckCredits(const Credits& c, FieldErrors& errors) {
  if (c.remaining < 0) errors["credits.remaining"] = "must be 0 or more";
  if (c.refill) {
    if (c.refill->amount < 1) errors["credits.refill.amount"] = "must be 1 or more";
    if (c.refill->interval != "daily" && c.refill->interval != "monthly")
      errors["credits.refill.interval"] = "must be daily or monthly";
  }
}

void CheckRateLimit(const RateLimit& r, FieldErrors& errors) {
  if (r.limit < 1) errors["ratelimit.limit"] = "must be 1 or more";
  if (r.window_ms < kMinRateWindowMs || r.window_ms > kMaxRateWindowMs)
    errors["ratelimit.window_ms"] = "must be 100..86400000";
}

ValidationCode CheckKeyForUse(const KeyState& key, const std::string& org_status, Millis now,
                              const std::vector<std::string>& required_permissions,
                              const std::optional<IpAddress>& ip) {
  if (org_status == "decommissioning") return ValidationCode::kTenantInactive;
  if (key.status == "revoked") return ValidationCode::kRevoked;
  if (key.StatusAt(now) == "expired") return ValidationCode::kExpired;
  if (!key.enabled) return ValidationCode::kDisabled;
  if (!key.ip_allowlist.empty()) {
    bool allowed = false;
    for (const auto& text : key.ip_allowlist) {
      auto cidr = ParseCidr(text);
      if (cidr && ip && cidr->Contains(*ip)) {
        allowed = true;
        break;
      }
    }
    if (!allowed) return ValidationCode::kIpNotAllowed;
  }
  for (const auto& p : required_permissions)
    if (!key.HasPermission(p)) return ValidationCode::kInsufficientPermissions;
  return ValidationCode::kValid;
}

}  // namespace kl
