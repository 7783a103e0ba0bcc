// The members of an event's JSON rendering (docs/spec.md, Event JSON), written once for every writer of it: the
// JSON object served and exported (json.cc) and the canonical bytes the hash chains are made of
// on the append path (canonical_template.cc). Internal to events/.
//
// `Out` provides Str, OptStr, Null, Int, Uint, Bool, Time, OptTime, Strings, Json (any JSON value,
// as stored) and Object(name, fill), where fill(Out&) describes the nested object's members.
//
// Once an event type's rendering has been written to a log it must never change (its hash
// depends on it): new fields may only be added as members that are absent when unset, so older
// events render exactly as before. tests/unit/events/golden_test.cc guards it.
#pragma once
#include <type_traits>
#include <variant>

#include "domain/event.h"

namespace kl::events::fields {

template <typename Out>
void OptCredits(Out& o, const char* name, const std::optional<Credits>& c) {
  if (!c) return o.Null(name);
  o.Object(name, [&](Out& x) {
    x.Int("remaining", c->remaining);
    if (!c->refill) return x.Null("refill");
    x.Object("refill", [&](Out& r) {
      r.Int("amount", c->refill->amount);
      r.Str("interval", c->refill->interval);
    });
  });
}

template <typename Out>
void OptRateLimit(Out& o, const char* name, const std::optional<RateLimit>& r) {
  if (!r) return o.Null(name);
  o.Object(name, [&](Out& x) {
    x.Int("limit", r->limit);
    x.Int("window_ms", r->window_ms);
  });
}

// The "data" object of each event type.
template <typename Out>
void Payload(const EventData& data, Out& o) {
  std::visit(
      [&](const auto& d) {
        using T = std::decay_t<decltype(d)>;
        if constexpr (std::is_same_v<T, OrgCreated>) {
          o.Str("name", d.name);
          o.Str("status", d.status);
        } else if constexpr (std::is_same_v<T, OrgUpdated>) {
          if (d.name) o.Str("name", *d.name);
          if (d.status) o.Str("status", *d.status);
        } else if constexpr (std::is_same_v<T, KeyCreated>) {
          o.Str("name", d.name);
          o.OptStr("description", d.description);
          o.Str("obfuscated_value", d.obfuscated_value);
          o.Str("prefix", d.prefix);
          o.Str("environment", d.environment);
          o.Strings("permissions", d.permissions);
          o.Str("permission_set", d.permission_set);
          o.Object("owner", [&](Out& x) {
            x.Str("type", d.owner.type);
            x.Str("id", d.owner.id);
          });
          o.OptStr("project_id", d.project_id);
          o.Json("metadata", d.metadata);
          o.OptTime("expires_at", d.expires_at);
          o.OptStr("rotated_from", d.rotated_from);
          o.Bool("enabled", d.enabled);
          o.Strings("ip_allowlist", d.ip_allowlist);
          OptCredits(o, "credits", d.credits);
          OptRateLimit(o, "ratelimit", d.ratelimit);
          // secret_hash_hex is deliberately absent: no secret or secret hash leaves the process.
          // The idempotency hashes are not secret: SHA-256 of (org, Idempotency-Key) and of the
          // canonical request body, whose content the event already shows. They let an auditor
          // see which creations were idempotent.
          o.OptStr("idempotency_key_sha256", d.idempotency_key_sha256);
          o.OptStr("request_sha256", d.request_sha256);
          // Only on imported keys, so every other KeyCreated renders (and hashes) as before.
          if (d.imported) o.Bool("imported", true);
          if (d.migration_id) o.Str("migration_id", *d.migration_id);
        } else if constexpr (std::is_same_v<T, KeyUpdated>) {
          if (d.name) o.Str("name", *d.name);
          if (d.description) o.OptStr("description", *d.description);
          if (d.permissions) o.Strings("permissions", *d.permissions);
          if (d.expires_at) o.OptTime("expires_at", *d.expires_at);
          if (d.metadata) o.Json("metadata", *d.metadata);
          if (d.ip_allowlist) o.Strings("ip_allowlist", *d.ip_allowlist);
          if (d.credits) OptCredits(o, "credits", *d.credits);
          if (d.ratelimit) OptRateLimit(o, "ratelimit", *d.ratelimit);
        } else if constexpr (std::is_same_v<T, KeyUsed>) {
          o.Int("count", d.count);
          o.Time("first_at", d.first_at);
          o.Time("last_at", d.last_at);
          o.Str("ip", d.ip);
          o.Str("user_agent", d.user_agent);
          o.Int("credits_spent", d.credits_spent);
        } else if constexpr (std::is_same_v<T, KeyUseRejected>) {
          o.Str("code", d.code);
          o.Int("count", d.count);
          o.Time("first_at", d.first_at);
          o.Time("last_at", d.last_at);
          o.Str("ip", d.ip);
          o.Str("user_agent", d.user_agent);
        } else if constexpr (std::is_same_v<T, KeyRevoked> || std::is_same_v<T, KeyDisabled> ||
                             std::is_same_v<T, KeyEnabled>) {
          o.OptStr("reason", d.reason);
        } else if constexpr (std::is_same_v<T, KeyExpired>) {
          o.Time("expires_at", d.expires_at);
        } else if constexpr (std::is_same_v<T, KeyRotated>) {
          o.Str("new_key_id", d.new_key_id);
          o.Time("grace_until", d.grace_until);
        } else if constexpr (std::is_same_v<T, KeyCreditsRefilled>) {
          o.Int("amount", d.amount);
          o.Int("remaining", d.remaining);
        } else if constexpr (std::is_same_v<T, KeyExpiringSoon>) {
          o.Time("expires_at", d.expires_at);
          o.Str("window", d.window);
        } else if constexpr (std::is_same_v<T, KeyCreditsLow>) {
          o.Int("remaining", d.remaining);
          o.Int("threshold", d.threshold);
        } else if constexpr (std::is_same_v<T, KeyLeakReported>) {
          o.Str("url", d.url);
          o.Str("source", d.source);
        } else if constexpr (std::is_same_v<T, WebhookCreated>) {
          o.Str("webhook_id", d.webhook_id);
          o.Str("url", d.url);
          o.Strings("event_types", d.event_types);
          o.OptStr("description", d.description);
        } else if constexpr (std::is_same_v<T, WebhookDeleted> || std::is_same_v<T, WebhookEnabled>) {
          o.Str("webhook_id", d.webhook_id);
        } else if constexpr (std::is_same_v<T, WebhookDisabled>) {
          o.Str("webhook_id", d.webhook_id);
          o.Str("reason", d.reason);
        } else if constexpr (std::is_same_v<T, WidgetTokenMinted>) {
          o.Str("token_id", d.token_id);
          o.OptStr("user_id", d.user_id);
          o.Strings("scopes", d.scopes);
          o.Time("expires_at", d.expires_at);
        } else if constexpr (std::is_same_v<T, ExportCreated>) {
          o.Str("export_id", d.export_id);
          o.Str("format", d.format);
          o.OptTime("from", d.from);
          o.OptTime("to", d.to);
          o.Int("event_count", d.event_count);
          o.Uint("first_seq", d.first_seq);
          o.Uint("last_seq", d.last_seq);
          o.Str("file_sha256", d.file_sha256);
        } else {
          static_assert(sizeof(T) == 0, "an event type without a rendering");
        }
      },
      data);
}

// The event without its four hash fields: what the chains hash.
template <typename Out>
void Unsealed(const Event& e, Out& o) {
  o.Uint("seq", e.seq);
  o.Str("id", e.id);
  o.Str("type", EventTypeName(e.data));
  // Ledger-level events (a global export) belong to no org.
  if (e.org_id.empty()) o.Null("org_id");
  else o.Str("org_id", e.org_id);
  o.OptStr("key_id", e.key_id);
  o.Uint("stream_version", e.stream_version);
  o.Time("recorded_at", e.recorded_at);
  o.Object("actor", [&](Out& x) {
    x.Str("type", e.actor.type);
    x.Str("id", e.actor.id);
  });
  o.Str("request_id", e.request_id);
  o.Object("data", [&](Out& x) { Payload(e.data, x); });
}

}  // namespace kl::events::fields
