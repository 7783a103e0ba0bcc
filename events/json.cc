#include "events/json.h"

#include "domain/crypto.h"
#include "domain/time.h"
#include "events/sanitize.h"

namespace kl::events {

using nlohmann::json;

namespace {

json Time(Millis t) { return FormatTime(t); }
json OptStr(const std::optional<std::string>& v) { return v ? json(*v) : json(nullptr); }
json OptTime(const std::optional<Millis>& v) { return v ? Time(*v) : json(nullptr); }
json CreditsJson(const Credits& c) {
  json refill = nullptr;
  if (c.refill) refill = {{"amount", c.refill->amount}, {"interval", c.refill->interval}};
  return {{"remaining", c.remaining}, {"refill", refill}};
}
json OptCredits(const std::optional<Credits>& c) { return c ? CreditsJson(*c) : json(nullptr); }
json OptRateLimit(const std::optional<RateLimit>& r) {
  return r ? json{{"limit", r->limit}, {"window_ms", r->window_ms}} : json(nullptr);
}

// Renders each payload. Once an event type's rendering has been written to a log it must never
// change (its hash depends on it): new fields may only be added as keys that are absent when
// unset, so older events render exactly as before. tests/unit/events/golden_test.cc guards it.
struct DataRenderer {
  json operator()(const OrgCreated& d) const { return {{"name", d.name}, {"status", d.status}}; }
  json operator()(const OrgUpdated& d) const {
    json j = json::object();
    if (d.name) j["name"] = *d.name;
    if (d.status) j["status"] = *d.status;
    return j;
  }
  json operator()(const KeyCreated& d) const {
    json j = {{"name", d.name},
              {"description", OptStr(d.description)},
              {"obfuscated_value", d.obfuscated_value},
              {"prefix", d.prefix},
              {"environment", d.environment},
              {"permissions", d.permissions},
              {"permission_set", d.permission_set},
              {"owner", {{"type", d.owner.type}, {"id", d.owner.id}}},
              {"project_id", OptStr(d.project_id)},
              {"metadata", d.metadata},
              {"expires_at", OptTime(d.expires_at)},
              {"rotated_from", OptStr(d.rotated_from)},
              {"enabled", d.enabled},
              {"ip_allowlist", d.ip_allowlist},
              {"credits", OptCredits(d.credits)},
              {"ratelimit", OptRateLimit(d.ratelimit)}};
    // secret_hash_hex is deliberately absent: no secret or secret hash leaves the process.
    // The idempotency hashes are not secret: SHA-256 of (org, Idempotency-Key) and of the
    // canonical request body, whose content the event already shows. They let an auditor see
    // which creations were idempotent.
    j["idempotency_key_sha256"] = OptStr(d.idempotency_key_sha256);
    j["request_sha256"] = OptStr(d.request_sha256);
    return j;
  }
  json operator()(const KeyUpdated& d) const {
    json j = json::object();
    if (d.name) j["name"] = *d.name;
    if (d.description) j["description"] = OptStr(*d.description);
    if (d.permissions) j["permissions"] = *d.permissions;
    if (d.expires_at) j["expires_at"] = OptTime(*d.expires_at);
    if (d.metadata) j["metadata"] = *d.metadata;
    if (d.ip_allowlist) j["ip_allowlist"] = *d.ip_allowlist;
    if (d.credits) j["credits"] = OptCredits(*d.credits);
    if (d.ratelimit) j["ratelimit"] = OptRateLimit(*d.ratelimit);
    return j;
  }
  json operator()(const KeyUsed& d) const {
    return {{"count", d.count},   {"first_at", Time(d.first_at)}, {"last_at", Time(d.last_at)},
            {"ip", d.ip},         {"user_agent", d.user_agent},   {"credits_spent", d.credits_spent}};
  }
  json operator()(const KeyUseRejected& d) const {
    return {{"code", d.code}, {"count", d.count}, {"first_at", Time(d.first_at)}, {"last_at", Time(d.last_at)},
            {"ip", d.ip},     {"user_agent", d.user_agent}};
  }
  json operator()(const KeyRevoked& d) const { return {{"reason", OptStr(d.reason)}}; }
  json operator()(const KeyExpired& d) const { return {{"expires_at", Time(d.expires_at)}}; }
  json operator()(const KeyRotated& d) const {
    return {{"new_key_id", d.new_key_id}, {"grace_until", Time(d.grace_until)}};
  }
  json operator()(const KeyDisabled& d) const { return {{"reason", OptStr(d.reason)}}; }
  json operator()(const KeyEnabled& d) const { return {{"reason", OptStr(d.reason)}}; }
  json operator()(const KeyCreditsRefilled& d) const { return {{"amount", d.amount}, {"remaining", d.remaining}}; }
  json operator()(const KeyExpiringSoon& d) const {
    return {{"expires_at", Time(d.expires_at)}, {"window", d.window}};
  }
  json operator()(const KeyCreditsLow& d) const { return {{"remaining", d.remaining}, {"threshold", d.threshold}}; }
  json operator()(const KeyLeakReported& d) const { return {{"url", d.url}, {"source", d.source}}; }
  json operator()(const WebhookCreated& d) const {
    return {{"webhook_id", d.webhook_id},
            {"url", d.url},
            {"event_types", d.event_types},
            {"description", OptStr(d.description)}};
  }
  json operator()(const WebhookDeleted& d) const { return {{"webhook_id", d.webhook_id}}; }
  json operator()(const WebhookDisabled& d) const { return {{"webhook_id", d.webhook_id}, {"reason", d.reason}}; }
  json operator()(const WebhookEnabled& d) const { return {{"webhook_id", d.webhook_id}}; }
  json operator()(const ExportCreated& d) const {
    return {{"export_id", d.export_id},     {"format", d.format},         {"from", OptTime(d.from)},
            {"to", OptTime(d.to)},          {"event_count", d.event_count}, {"first_seq", d.first_seq},
            {"last_seq", d.last_seq},       {"file_sha256", d.file_sha256}};
  }
};

}  // namespace

json DataToJson(const EventData& data) {
  json j = std::visit(DataRenderer{}, data);
  SanitizeJson(j);
  return j;
}

json ToJsonUnsealed(const Event& e) {
  json j = {{"seq", e.seq},
            {"id", e.id},
            {"type", EventTypeName(e.data)},
            // Ledger-level events (a global export) belong to no org.
            {"org_id", e.org_id.empty() ? json(nullptr) : json(e.org_id)},
            {"key_id", OptStr(e.key_id)},
            {"stream_version", e.stream_version},
            {"recorded_at", Time(e.recorded_at)},
            {"actor", {{"type", e.actor.type}, {"id", e.actor.id}}},
            {"request_id", e.request_id},
              {"data", std::visit(DataRenderer{}, e.data)}};
  // Stored text is not guaranteed to be UTF-8 (a User-Agent header can carry any bytes); the
  // rendering, and so the hash, must still exist and be servable.
  SanitizeJson(j);
  return j;
}

json ToJson(const Event& e) {
  json j = ToJsonUnsealed(e);
  j["prev_hash"] = ToHex(e.prev_hash);
  j["hash"] = ToHex(e.hash);
  j["org_prev_hash"] = ToHex(e.org_prev_hash);
  j["org_hash"] = ToHex(e.org_hash);
  return j;
}

}  // namespace kl::events
