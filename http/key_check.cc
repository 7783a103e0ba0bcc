#include "http/key_check.h"

#include "domain/cidr.h"
#include "domain/crypto.h"
#include "domain/role.h"
#include "domain/secret.h"
#include "domain/time.h"

namespace kl::http {

namespace {

// The longest secret an import may match: a hash lookup for anything longer is wasted work.
constexpr size_t kMaxForeignSecret = 512;

bool ForeignSecretPossible(const Services& s, std::string_view value) {
  return !value.empty() && value.size() <= kMaxForeignSecret && s.reads->HasImportedKeys();
}

// The permission check against the key's effective permissions (docs/access.md): its own and
// those of its roles, as the org defines them now. The index (and CheckKeyForUse) already
// answered a list against the key's own permissions; this runs only where that answer can change:
// a query, or a list the key's own permissions did not satisfy. Gates before it (revoked,
// disabled, IP) keep their answer, as they are checked first.
void CheckEffectivePermissions(Services& s, const KeyCheckRequest& in, KeyCheckOutcome& out) {
  bool query = in.permission_query.has_value();
  if (!out.key) return;
  if (out.code != ValidationCode::kValid && out.code != ValidationCode::kInsufficientPermissions) return;
  if (!query && out.code == ValidationCode::kValid) return;
  std::vector<std::string> effective;
  const std::vector<std::string>* held = &out.key->permissions;
  if (!out.key->roles.empty()) {
    if (auto org = s.reads->FindOrg(out.key->org_id)) {
      effective = EffectivePermissions(*out.key, *org);
      held = &effective;
    }
  }
  out.permissions = EvaluatePermissionQuery(query ? *in.permission_query : PermissionQuery::AllOf(in.required_permissions),
                                            *held);
  out.code = out.permissions.satisfied ? ValidationCode::kValid : ValidationCode::kInsufficientPermissions;
}

KeyCheckOutcome Decide(Services& s, const Principal& caller, const KeyCheckRequest& in) {
  KeyCheckOutcome out;
  out.now = NowMillis();
  // A secret without keyledger's format can only be an imported key's: looked up by its SHA-256
  // only once imports exist, and MALFORMED whenever no imported key has it (docs/spec.md,
  // Importing keys), so junk answers as it always did.
  const bool foreign = !ParseSecret(in.value);
  if (foreign && !ForeignSecretPossible(s, in.value)) {
    out.code = ValidationCode::kMalformed;
    return out;
  }
  Hash32 hash = Sha256(in.value);
  std::optional<IpAddress> ip = ParseIp(in.ip);
  if (s.index) {
    auto v = s.index->Validate(hash, s.index->Require(in.required_permissions), out.now, ip);
    out.key = std::move(v.key);
    out.code = v.code;
  } else {
    out.key = s.reads->FindKeyByHash(hash);
    auto org = out.key ? s.reads->FindOrg(out.key->org_id) : nullptr;
    if (!org) out.key.reset();
    out.code = out.key ? CheckKeyForUse(*out.key, org->status, out.now, in.required_permissions, ip)
                       : ValidationCode::kNotFound;
  }
  if (foreign && (!out.key || !out.key->imported)) {
    out.key.reset();
    out.code = ValidationCode::kMalformed;
    return out;
  }
  if (!out.key || (caller.kind == Principal::Kind::kApiKey && out.key->org_id != caller.org_id())) {
    out.key.reset();
    out.code = ValidationCode::kNotFound;
    return out;
  }
  CheckEffectivePermissions(s, in, out);
  if (!s.usage) return out;
  if (out.code != ValidationCode::kValid) {
    s.usage->RecordRejection(*out.key, ValidationCodeName(out.code), out.now, in.ip, in.user_agent);
    return out;
  }
  out.gates = s.usage->TryUse(*out.key, out.now, in.ip, in.user_agent);
  out.code = out.gates.code;
  // The answer shows this use too, as the next read will.
  out.usage = s.usage->View(*out.key);
  return out;
}

}  // namespace

KeyCheckOutcome CheckKey(Services& s, const Principal& caller, const KeyCheckRequest& in) {
  KeyCheckOutcome out = Decide(s, caller, in);
  if (s.metrics) s.metrics->ObserveValidation(out.code);
  return out;
}

Status ViewFreshEnough(const Services& s) {
  if (!s.freshness) return Status::Ok();
  auto age = s.freshness->Age();
  if (age <= s.freshness->Max()) return Status::Ok();
  return Status(Code::kUnavailable, "this node has not reached the log for " + std::to_string(age.count() / 1000) +
                                        " s, past its max staleness of " +
                                        std::to_string(s.freshness->Max().count()) +
                                        " ms: it cannot tell whether a key was revoked; retry later or on another node");
}

std::string ClientIpOf(const RequestContext& ctx, std::optional<std::string> from_body) {
  if (from_body) return std::move(*from_body);
  if (auto xff = ctx.HeaderView("x-forwarded-for")) {
    std::string_view first = xff->substr(0, xff->find(','));
    while (!first.empty() && first.front() == ' ') first.remove_prefix(1);
    while (!first.empty() && first.back() == ' ') first.remove_suffix(1);
    return std::string(first);
  }
  return ctx.peer_ip;
}

}  // namespace kl::http
