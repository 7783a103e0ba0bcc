#include "http/key_check.h"

#include "domain/cidr.h"
#include "domain/crypto.h"
#include "domain/role.h"
#include "domain/secret.h"
#include "domain/time.h"
#include "storage/shared_counters.h"

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

// Every check before the last two gates (docs/policy-gates.md): out.code is VALID when only the
// rate limit and the credits remain to be decided.
KeyCheckOutcome DecideBeforeGates(Services& s, const Principal& caller, const KeyCheckRequest& in) {
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
  return out;
}

bool SharedGates(const Services& s, const KeyCheckOutcome& out) {
  return s.counters && s.usage && out.code == ValidationCode::kValid && out.key &&
         (out.key->credits || out.key->ratelimit);
}

// The last two gates decided by this node alone (UsageTracker), and the use or refusal recorded.
KeyCheckOutcome DecideLocalGates(Services& s, KeyCheckOutcome out, const KeyCheckRequest& in) {
  if (!s.usage || !out.key) return out;
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

// The credits and rate-limit gates through the shared counters (blocking: a counter_work thread).
Result<KeyCheckOutcome> DecideShared(Services& s, KeyCheckOutcome out, const KeyCheckRequest& in) {
  const KeyState& key = *out.key;
  storage::CounterSpend spend;
  spend.key_id = key.id;
  if (key.ratelimit) spend.rate = storage::CounterSpend::Rate{key.ratelimit->limit, key.ratelimit->window_ms};
  if (key.credits)  // the epoch: when they were last set, the same on every node (docs/cluster.md)
    spend.credits = storage::CounterSpend::Credits{key.credits_refilled_at.value_or(0), key.credits_basis, 1};
  // Spent out as far as this node knows already: its view never shows more than the counter has
  // left, so the refusal needs no round trip.
  auto live = s.usage->LiveCredits(key);
  storage::CounterOutcome counted;
  if (!key.ratelimit && live && *live <= 0) {
    counted.credits_ok = false;
  } else {
    auto spent = s.counters->Spend(spend);
    if (!spent.ok())
      return Status(Code::kUnavailable, "the key's credits and rate limit are counted for the whole cluster, and "
                                        "the counters cannot be reached now; retry later");
    counted = *spent;
  }
  if (key.ratelimit) {
    projections::RateLimitState rl;
    rl.limit = key.ratelimit->limit;
    rl.remaining = std::max<int64_t>(0, rl.limit - counted.rate_used);
    rl.reset_at = counted.rate_reset_at;
    out.gates.ratelimit = rl;
  }
  if (!counted.rate_ok) out.code = ValidationCode::kRateLimited;
  else if (key.credits && !counted.credits_ok) out.code = ValidationCode::kUsageExceeded;
  if (key.credits)
    out.gates.credits_remaining =
        out.code == ValidationCode::kValid ? std::max<int64_t>(0, key.credits_basis - counted.credits_spent) : 0;
  out.gates.code = out.code;
  s.usage->RecordDecided(key, out.code, key.credits && out.code == ValidationCode::kValid ? 1 : 0, out.now, in.ip,
                         in.user_agent);
  out.usage = s.usage->View(key);
  if (out.gates.credits_remaining) out.usage->credits_remaining = out.gates.credits_remaining;
  return out;
}

}  // namespace

void CheckKeyThen(Services& s, const Principal& caller, KeyCheckRequest in, KeyCheckDone done) {
  KeyCheckOutcome before = DecideBeforeGates(s, caller, in);
  if (!SharedGates(s, before)) {
    KeyCheckOutcome out = DecideLocalGates(s, std::move(before), in);
    if (s.metrics) s.metrics->ObserveValidation(out.code);
    return done(std::move(out));
  }
  auto job = [&s, before = std::move(before), in = std::move(in), done = std::move(done)]() mutable {
    Result<KeyCheckOutcome> out = DecideShared(s, std::move(before), in);
    if (out.ok() && s.metrics) s.metrics->ObserveValidation(out->code);
    done(std::move(out));
  };
  if (s.counter_work) return s.counter_work->Post(std::move(job));
  job();
}

KeyCheckOutcome CheckKey(Services& s, const Principal& caller, const KeyCheckRequest& in) {
  KeyCheckOutcome out = DecideLocalGates(s, DecideBeforeGates(s, caller, in), in);
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
