#include "http/compat/unkey/key_requests.h"

#include "domain/time.h"
#include "http/json_input.h"

namespace kl::http::unkey {

using nlohmann::json;

namespace {

const BodyShape kRefillShape{{{"interval"}, {"amount"}, {"refillDay"}}};
const BodyShape kCreditsShape{{{"remaining"}, {"refill", &kRefillShape}}};
const BodyShape kVerifyCreditsShape{{{"cost"}}};

constexpr const char* kNoRoles = "roles are not supported yet (docs/compat.md, Unkey)";
constexpr const char* kNoIdentities = "identities (externalId) are not supported yet (docs/compat.md, Unkey)";

void Merge(FieldReader& f, FieldErrors& errors) { errors.insert(f.errors().begin(), f.errors().end()); }

std::optional<CreditRefill> ReadRefill(const json& refill, FieldErrors& errors) {
  if (!refill.is_object()) {
    errors["credits.refill"] = "must be an object";
    return std::nullopt;
  }
  FieldReader f(refill);
  auto interval = f.String("interval");
  auto amount = f.Integer("amount");
  auto day = f.Integer("refillDay");
  for (const auto& [k, v] : f.errors()) errors["credits.refill." + k] = v;
  if (!interval) errors.emplace("credits.refill.interval", "is required");
  if (!amount) errors.emplace("credits.refill.amount", "is required");
  // keyledger refills monthly credits on the first day of the month (UTC), daily ones at midnight.
  if (day && *day != 1) errors["credits.refill.refillDay"] = "keyledger refills monthly credits on day 1 only";
  if (!interval || !amount) return std::nullopt;
  return CreditRefill{*amount, *interval};
}

// create's credits: {remaining: n | null, refill?}; remaining null is unlimited (no gate).
std::optional<Credits> ReadCreateCredits(const json& body, FieldErrors& errors) {
  auto it = body.find("credits");
  if (it == body.end() || it->is_null()) return std::nullopt;
  if (!it->is_object()) {
    errors["credits"] = "must be an object";
    return std::nullopt;
  }
  auto remaining = it->find("remaining");
  if (remaining == it->end() || remaining->is_null()) {
    if (it->contains("refill")) errors["credits.remaining"] = "is required with a refill";
    return std::nullopt;
  }
  if (!remaining->is_number_integer()) {
    errors["credits.remaining"] = "must be an integer or null";
    return std::nullopt;
  }
  Credits c{remaining->get<int64_t>(), std::nullopt};
  if (auto refill = it->find("refill"); refill != it->end() && !refill->is_null()) c.refill = ReadRefill(*refill, errors);
  return c;
}

// ratelimits: keyledger holds one rate limit per key, applied to every verification.
std::optional<std::optional<RateLimit>> ReadRatelimits(const json& body, FieldErrors& errors) {
  auto it = body.find("ratelimits");
  if (it == body.end()) return std::nullopt;
  if (!it->is_array()) {
    errors["ratelimits"] = "must be an array";
    return std::nullopt;
  }
  if (it->empty()) return std::optional<RateLimit>{};
  if (it->size() > 1) {
    errors["ratelimits"] = "keyledger holds one rate limit per key (docs/compat.md, Unkey)";
    return std::nullopt;
  }
  const json& r = it->front();
  if (!r.is_object()) {
    errors["ratelimits[0]"] = "must be an object";
    return std::nullopt;
  }
  FieldReader f(r);
  f.String("name");
  f.Bool("autoApply");
  auto limit = f.Integer("limit");
  auto duration = f.Integer("duration");
  for (const auto& [k, v] : f.errors()) errors["ratelimits[0]." + k] = v;
  if (!limit) errors.emplace("ratelimits[0].limit", "is required");
  if (!duration) errors.emplace("ratelimits[0].duration", "is required");
  if (!limit || !duration) return std::nullopt;
  return std::optional<RateLimit>{RateLimit{*limit, *duration}};
}

void RefuseNonEmpty(const json& body, const char* name, const char* why, FieldErrors& errors) {
  auto it = body.find(name);
  if (it == body.end() || it->is_null()) return;
  if (it->is_array() && it->empty()) return;
  errors[name] = why;
}

std::optional<std::string> ReadExpires(const json& body, FieldErrors& errors) {
  auto it = body.find("expires");
  if (it == body.end() || it->is_null()) return std::nullopt;
  if (!it->is_number_integer()) {
    errors["expires"] = "must be an integer (Unix milliseconds)";
    return std::nullopt;
  }
  return FormatTime(it->get<int64_t>());
}

}  // namespace

const BodyShape kCreateKeyBody{{{"apiId"}, {"prefix"}, {"name"}, {"byteLength"}, {"externalId"}, {"meta"},
                                {"roles"}, {"permissions"}, {"expires"}, {"credits", &kCreditsShape},
                                {"ratelimits"}, {"enabled"}, {"recoverable"}}};
const BodyShape kUpdateKeyBody{{{"keyId"}, {"name"}, {"externalId"}, {"meta"}, {"expires"},
                                {"credits", &kCreditsShape}, {"ratelimits"}, {"enabled"}, {"roles"},
                                {"permissions"}}};
const BodyShape kVerifyKeyBody{{{"key"}, {"tags"}, {"permissions"}, {"credits", &kVerifyCreditsShape},
                                {"ratelimits"}, {"migrationId"}}};
const BodyShape kMigrateKeyShape{{{"hash"}, {"name"}, {"externalId"}, {"meta"}, {"roles"}, {"permissions"},
                                  {"expires"}, {"enabled"}, {"credits", &kCreditsShape}, {"ratelimits"}}};
const BodyShape kMigrateKeysBody{{{"migrationId"}, {"apiId"}, {"keys", &kMigrateKeyShape}}};
const BodyShape kKeyIdBody{{{"keyId"}, {"decrypt"}}};
const BodyShape kDeleteKeyBody{{{"keyId"}, {"permanent"}}};
const BodyShape kWhoamiBody{{{"key"}}};
const BodyShape kRerollKeyBody{{{"keyId"}, {"expiration"}}};
const BodyShape kUpdateCreditsBody{{{"keyId"}, {"value"}, {"operation"}}};
const BodyShape kPermissionsBody{{{"keyId"}, {"permissions"}}};

std::string RequiredString(const json& body, const char* name, FieldErrors& errors) {
  auto it = body.find(name);
  if (it == body.end() || !it->is_string() || it->get_ref<const std::string&>().empty()) {
    errors[name] = "is required (a non-empty string)";
    return "";
  }
  return it->get<std::string>();
}

void RequireFalse(const json& body, const char* name, const char* why, FieldErrors& errors) {
  auto it = body.find(name);
  if (it == body.end()) return;
  if (!it->is_boolean()) errors[name] = "must be a boolean";
  else if (it->get<bool>()) errors[name] = why;
}

CreateKeyRequest ReadCreateKey(const json& body, FieldErrors& errors) {
  CreateKeyRequest out;
  out.api_id = RequiredString(body, "apiId", errors);
  FieldReader f(body);
  CreateKeyInput& in = out.input;
  in.name = f.String("name");
  if (!in.name && !f.Has("name")) in.name = "unnamed";  // Unkey names are optional; keyledger's are not
  in.prefix = f.String("prefix");
  in.metadata = f.Object("meta");
  in.permissions = f.StringArray("permissions");
  in.enabled = f.Bool("enabled");
  f.Integer("byteLength");  // accepted: keyledger's secrets have one fixed length (docs/api.md)
  Merge(f, errors);
  if (errors.count("metadata")) errors["meta"] = errors["metadata"], errors.erase("metadata");
  RefuseNonEmpty(body, "roles", kNoRoles, errors);
  RefuseNonEmpty(body, "externalId", kNoIdentities, errors);
  RequireFalse(body, "recoverable", "keyledger never stores a plaintext key", errors);
  in.expires_at = ReadExpires(body, errors);
  in.credits = ReadCreateCredits(body, errors);
  if (auto r = ReadRatelimits(body, errors)) in.ratelimit = *r;
  return out;
}

UpdateKeyRequest ReadUpdateKey(const json& body, FieldErrors& errors) {
  UpdateKeyRequest out;
  out.key_id = RequiredString(body, "keyId", errors);
  UpdateKeyInput& in = out.input;
  FieldReader f(body);
  if (auto it = body.find("name"); it != body.end() && it->is_null())
    errors["name"] = "keyledger keys always have a name; give a new one instead of null";
  else
    in.name = f.String("name");
  in.permissions = f.StringArray("permissions");
  in.enabled = f.Bool("enabled");
  Merge(f, errors);
  if (auto it = body.find("meta"); it != body.end()) {
    if (it->is_null()) in.metadata = json::object();
    else if (it->is_object()) in.metadata = *it;
    else errors["meta"] = "must be an object or null";
  }
  if (auto it = body.find("expires"); it != body.end()) {
    if (it->is_null()) in.expires_at = std::optional<std::string>{};
    else if (auto text = ReadExpires(body, errors)) in.expires_at = std::optional<std::string>{*text};
  }
  RefuseNonEmpty(body, "roles", kNoRoles, errors);
  RefuseNonEmpty(body, "externalId", kNoIdentities, errors);
  in.ratelimit = ReadRatelimits(body, errors);
  if (auto it = body.find("credits"); it != body.end()) {
    CreditsPatch patch;
    if (it->is_null()) {
      patch.remove = true;
    } else if (!it->is_object()) {
      errors["credits"] = "must be an object or null";
    } else {
      if (auto r = it->find("remaining"); r != it->end()) {
        if (r->is_null()) patch.remove = true;
        else if (r->is_number_integer()) patch.remaining = r->get<int64_t>();
        else errors["credits.remaining"] = "must be an integer or null";
      }
      if (auto r = it->find("refill"); r != it->end())
        patch.refill = r->is_null() ? std::optional<CreditRefill>{} : ReadRefill(*r, errors);
    }
    out.credits = patch;
  }
  return out;
}

Result<std::optional<Credits>> ApplyCreditsPatch(const KeyState& key, const CreditsPatch& patch) {
  if (patch.remove) return std::optional<Credits>{};
  Credits c;
  if (patch.remaining) c.remaining = *patch.remaining;
  else if (key.credits) c.remaining = key.credits->remaining;
  else return Status::Validation({{"credits.remaining", "is required: the key has unlimited credits"}});
  if (patch.refill) c.refill = *patch.refill;
  else if (key.credits) c.refill = key.credits->refill;
  return std::optional<Credits>{c};
}

}  // namespace kl::http::unkey

namespace kl::http::unkey {

MigrateKeysRequest ReadMigrateKeys(const json& body, FieldErrors& errors) {
  MigrateKeysRequest out;
  out.api_id = RequiredString(body, "apiId", errors);
  out.migration_id = RequiredString(body, "migrationId", errors);
  auto keys = body.find("keys");
  if (keys == body.end() || !keys->is_array() || keys->empty() || keys->size() > kMaxImportBatch) {
    errors["keys"] = "is required: an array of 1..100 keys";
    return out;
  }
  for (size_t i = 0; i < keys->size(); ++i) {
    const json& item = (*keys)[i];
    auto hash = item.is_object() ? item.find("hash") : item.end();
    if (hash == item.end() || !hash->is_string()) {
      errors["keys[" + std::to_string(i) + "].hash"] = "is required (a string)";
      continue;
    }
    // Each key reads as a createKey body of the batch's API; its mistakes fail it alone.
    json as_create = item;
    as_create.erase("hash");
    as_create["apiId"] = out.api_id;
    KeyImportItem k;
    k.input = ReadCreateKey(as_create, k.type_errors).input;
    k.hash_text = hash->get<std::string>();
    if (auto variant = SecretHashVariantOf(k.hash_text)) k.hash = ParseSecretHash(k.hash_text, *variant);
    if (!k.hash) k.type_errors["hash"] = "must be a SHA-256: 64 hex digits, or base64";
    out.items.push_back(std::move(k));
  }
  return out;
}

}  // namespace kl::http::unkey
