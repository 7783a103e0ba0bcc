#include "http/key_request.h"

#include "http/json_input.h"

namespace kl::http {

using nlohmann::json;

namespace {

const BodyShape kOwnerShape{{{"type"}, {"id"}}};
const BodyShape kRefillShape{{{"amount"}, {"interval"}}};
const BodyShape kCreditsShape{{{"remaining"}, {"refill", &kRefillShape}}};
const BodyShape kRateLimitShape{{{"limit"}, {"window_ms"}}};

// Copies a nested reader's errors under "<prefix>.<field>".
void Nest(const std::string& prefix, const FieldErrors& inner, FieldErrors& errors) {
  for (const auto& [k, v] : inner) errors[prefix + "." + k] = v;
}

void Require(const std::string& path, bool present, FieldErrors& errors) {
  if (!present && !errors.count(path)) errors[path] = "is required";
}

// credits: {remaining, refill?: {amount, interval} | null}.
Credits ReadCredits(const json& value, FieldErrors& errors) {
  FieldReader f(value);
  auto remaining = f.Integer("remaining");
  std::optional<json> refill;
  if (auto it = value.find("refill"); it != value.end() && !it->is_null()) refill = f.Object("refill");
  Nest("credits", f.errors(), errors);
  Require("credits.remaining", remaining.has_value(), errors);
  Credits c;
  c.remaining = remaining.value_or(0);
  if (refill) {
    FieldReader r(*refill);
    auto amount = r.Integer("amount");
    auto interval = r.String("interval");
    Nest("credits.refill", r.errors(), errors);
    Require("credits.refill.amount", amount.has_value(), errors);
    Require("credits.refill.interval", interval.has_value(), errors);
    c.refill = CreditRefill{amount.value_or(0), interval.value_or("")};
  }
  return c;
}

// ratelimit: {limit, window_ms}.
RateLimit ReadRateLimit(const json& value, FieldErrors& errors) {
  FieldReader f(value);
  auto limit = f.Integer("limit");
  auto window = f.Integer("window_ms");
  Nest("ratelimit", f.errors(), errors);
  Require("ratelimit.limit", limit.has_value(), errors);
  Require("ratelimit.window_ms", window.has_value(), errors);
  return RateLimit{limit.value_or(0), window.value_or(0)};
}

// A gate object: absent (nullopt), null (`nullable`: a gate removed; otherwise a type error), or
// an object read by `read`.
template <typename T, typename Read>
std::optional<std::optional<T>> ReadGate(const json& body, const char* name, bool nullable, FieldErrors& errors,
                                         Read read) {
  auto it = body.find(name);
  if (it == body.end()) return std::nullopt;
  if (it->is_null() && nullable) return std::optional<T>{};
  if (!it->is_object()) {
    errors[name] = nullable ? "must be an object or null" : "must be an object";
    return std::nullopt;
  }
  return std::optional<T>{read(*it, errors)};
}

std::optional<Owner> ReadOwner(const json& body, FieldErrors& errors) {
  auto it = body.find("owner");
  if (it == body.end()) return std::nullopt;
  if (!it->is_object()) {
    errors["owner"] = "must be an object";
    return std::nullopt;
  }
  FieldReader o(*it);
  auto type = o.String("type");
  auto id = o.String("id");
  Nest("owner", o.errors(), errors);
  Require("owner.type", type.has_value(), errors);
  Require("owner.id", id.has_value(), errors);
  if (!type || !id) return std::nullopt;
  return Owner{*type, *id};
}

}  // namespace

const BodyShape kCreateKeyBody{{{"name"}, {"description"}, {"permissions"}, {"permission_set"},
                                {"owner", &kOwnerShape}, {"project_id"}, {"environment"}, {"prefix"},
                                {"expires_at"}, {"ttl_seconds"}, {"metadata"}, {"enabled"}, {"ip_allowlist"},
                                {"credits", &kCreditsShape}, {"ratelimit", &kRateLimitShape}, {"roles"}}};
const BodyShape kUpdateKeyBody{{{"name"}, {"description"}, {"permissions"}, {"expires_at"}, {"metadata"},
                                {"enabled"}, {"reason"}, {"ip_allowlist"}, {"credits", &kCreditsShape},
                                {"ratelimit", &kRateLimitShape}}};
const BodyShape kSecretHashShape{{{"value"}, {"variant"}}};
// An imported key: the create body's members and its secret's hash.
const BodyShape kImportKeyShape{{{"hash", &kSecretHashShape}, {"name"}, {"description"}, {"permissions"},
                                 {"permission_set"}, {"owner", &kOwnerShape}, {"project_id"}, {"environment"},
                                 {"prefix"}, {"expires_at"}, {"ttl_seconds"}, {"metadata"}, {"enabled"},
                                 {"ip_allowlist"}, {"credits", &kCreditsShape}, {"ratelimit", &kRateLimitShape}}};
const BodyShape kImportKeysBody{{{"migration_id"}, {"keys", &kImportKeyShape}}};
const BodyShape kRotateKeyBody{{{"grace_seconds"}, {"keep_expiry"}}};
const BodyShape kRevokeKeyBody{{{"reason"}}};

CreateKeyInput ReadCreateKey(const json& body, FieldErrors& errors) {
  FieldReader f(body);
  CreateKeyInput in;
  in.name = f.String("name");
  in.description = f.String("description");
  in.permissions = f.StringArray("permissions");
  in.permission_set = f.String("permission_set");
  in.project_id = f.String("project_id");
  in.environment = f.String("environment");
  in.prefix = f.String("prefix");
  in.expires_at = f.String("expires_at");
  in.ttl_seconds = f.Integer("ttl_seconds");
  in.metadata = f.Object("metadata");
  in.enabled = f.Bool("enabled");
  in.ip_allowlist = f.StringArray("ip_allowlist");
  in.roles = f.StringArray("roles");
  errors.insert(f.errors().begin(), f.errors().end());
  in.owner = ReadOwner(body, errors);
  if (auto c = ReadGate<Credits>(body, "credits", /*nullable=*/false, errors, ReadCredits)) in.credits = *c;
  if (auto r = ReadGate<RateLimit>(body, "ratelimit", /*nullable=*/false, errors, ReadRateLimit)) in.ratelimit = *r;
  return in;
}

UpdateKeyInput ReadUpdateKey(const json& body, FieldErrors& errors) {
  FieldReader f(body);
  UpdateKeyInput in;
  in.name = f.String("name");
  in.description = f.NullableString("description");
  in.permissions = f.StringArray("permissions");
  in.expires_at = f.NullableString("expires_at");
  in.metadata = f.Object("metadata");
  in.enabled = f.Bool("enabled");
  in.reason = f.String("reason");
  in.ip_allowlist = f.StringArray("ip_allowlist");
  errors.insert(f.errors().begin(), f.errors().end());
  in.credits = ReadGate<Credits>(body, "credits", /*nullable=*/true, errors, ReadCredits);
  in.ratelimit = ReadGate<RateLimit>(body, "ratelimit", /*nullable=*/true, errors, ReadRateLimit);
  return in;
}

std::optional<int64_t> ReadRotateKey(const json& body, FieldErrors& errors) {
  FieldReader f(body);
  auto grace = f.Integer("grace_seconds");
  errors.insert(f.errors().begin(), f.errors().end());
  return grace;
}

bool ReadRotateKeepExpiry(const json& body, FieldErrors& errors) {
  FieldReader f(body);
  auto keep = f.Bool("keep_expiry");
  errors.insert(f.errors().begin(), f.errors().end());
  return keep.value_or(false);
}

std::optional<std::string> ReadRevokeKey(const json& body, FieldErrors& errors) {
  FieldReader f(body);
  auto reason = f.String("reason");
  errors.insert(f.errors().begin(), f.errors().end());
  return reason;
}


KeyImportItem ReadImportKey(const json& item) {
  KeyImportItem out;
  out.input = ReadCreateKey(item, out.type_errors);
  auto hash = item.find("hash");
  if (hash == item.end() || !hash->is_object()) {
    out.type_errors["hash"] = "is required: {value, variant}";
    return out;
  }
  auto value = hash->find("value");
  auto variant = hash->find("variant");
  if (value == hash->end() || !value->is_string()) {
    out.type_errors["hash.value"] = "is required (a string)";
    return out;
  }
  out.hash_text = value->get<std::string>();
  if (variant == hash->end() || !variant->is_string() ||
      (*variant != "sha256_hex" && *variant != "sha256_base64")) {
    out.type_errors["hash.variant"] = "must be sha256_hex or sha256_base64";
    return out;
  }
  out.hash = ParseSecretHash(out.hash_text, variant->get_ref<const std::string&>());
  if (!out.hash) out.type_errors["hash.value"] = "must be a SHA-256 written as its variant says";
  return out;
}

ImportKeysRequest ReadImportKeys(const json& body, FieldErrors& errors) {
  ImportKeysRequest out;
  if (auto it = body.find("migration_id"); it != body.end()) {
    if (!it->is_string()) errors["migration_id"] = "must be a string";
    else out.migration_id = it->get<std::string>();
  }
  auto keys = body.find("keys");
  if (keys == body.end() || !keys->is_array() || keys->empty() || keys->size() > kMaxImportBatch) {
    errors["keys"] = "is required: an array of 1..100 keys";
    return out;
  }
  for (size_t i = 0; i < keys->size(); ++i) {
    const json& item = (*keys)[i];
    if (!item.is_object()) {
      errors["keys[" + std::to_string(i) + "]"] = "must be an object";
      continue;
    }
    out.items.push_back(ReadImportKey(item));
  }
  return out;
}

}  // namespace kl::http
