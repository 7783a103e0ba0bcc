// The event catalogue (docs/spec.md, Event log) as plain C++ values. Every later layer (Cap'n Proto
// encoding, JSON rendering, hashing, projections) works from these types.
//
// Times are milliseconds since the Unix epoch (UTC). Optional strings use std::optional.
#pragma once
#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include <nlohmann/json.hpp>

namespace kl {

using Millis = int64_t;
using Hash32 = std::array<uint8_t, 32>;

struct Actor {
  std::string type;  // "admin" | "api_key" | "system" | "widget"
  std::string id;    // "admin", a key id, or "sweeper"/"flusher"
  bool operator==(const Actor&) const = default;
};

struct Owner {
  std::string type;  // "organization" | "user" | "service_account"
  std::string id;
  bool operator==(const Owner&) const = default;
};

struct CreditRefill {
  int64_t amount = 0;
  std::string interval;  // "daily" | "monthly"
  bool operator==(const CreditRefill&) const = default;
};
struct Credits {
  int64_t remaining = 0;
  std::optional<CreditRefill> refill;
  bool operator==(const Credits&) const = default;
};
struct RateLimit {
  int64_t limit = 0;
  int64_t window_ms = 0;
  bool operator==(const RateLimit&) const = default;
};

// ---- Org stream events -------------------------------------------------------------------
struct OrgCreated {
  std::string name;
  std::string status;  // active | past_due | trial_expired | decommissioning
};
struct OrgUpdated {  // carries only what changed
  std::optional<std::string> name;
  std::optional<std::string> status;
};

// ---- Key stream events -------------------------------------------------------------------
struct KeyCreated {
  std::string name;
  std::optional<std::string> description;
  std::string secret_hash_hex;  // SHA-256 of the full value; never rendered to JSON (docs/spec.md, Secrets)
  std::string obfuscated_value; // <prefix>_<env>_…<last4>
  std::string prefix;
  std::string environment;      // live | test
  std::vector<std::string> permissions;  // expanded from permission_set
  std::string permission_set;   // full_access | read_only | validator | custom
  Owner owner;
  std::optional<std::string> project_id;
  nlohmann::json metadata = nlohmann::json::object();
  std::optional<Millis> expires_at;
  std::optional<std::string> rotated_from;
  // Policy gates (docs/policy-gates.md).
  bool enabled = true;
  std::vector<std::string> ip_allowlist;
  std::optional<Credits> credits;
  std::optional<RateLimit> ratelimit;
  // Set when created with an Idempotency-Key: hashes only, so a replay can be recognised
  // (durably, atomically with the key) without storing the header or the body.
  std::optional<std::string> idempotency_key_sha256;
  std::optional<std::string> request_sha256;
  // An imported key (docs/spec.md, Importing keys): keyledger never saw its plaintext, only the
  // SHA-256 the customer's previous provider kept; its secret need not have keyledger's format.
  bool imported = false;
  std::optional<std::string> migration_id;  // the import batch's label, when the caller gave one
};
struct KeyUpdated {  // carries only what changed
  std::optional<std::string> name;
  std::optional<std::optional<std::string>> description;  // set to a value or to null
  std::optional<std::vector<std::string>> permissions;
  std::optional<std::optional<Millis>> expires_at;          // set or cleared
  std::optional<nlohmann::json> metadata;
  std::optional<std::vector<std::string>> ip_allowlist;
  std::optional<std::optional<Credits>> credits;
  std::optional<std::optional<RateLimit>> ratelimit;
};
struct KeyUsed {
  int64_t count = 0;
  Millis first_at = 0;
  Millis last_at = 0;
  std::string ip;
  std::string user_agent;
  int64_t credits_spent = 0;
};
struct KeyUseRejected {
  std::string code;  // REVOKED | EXPIRED | TENANT_INACTIVE | ...
  int64_t count = 0;
  Millis first_at = 0;
  Millis last_at = 0;
  std::string ip;
  std::string user_agent;
};
struct KeyRevoked {
  std::optional<std::string> reason;
};
struct KeyExpired {
  Millis expires_at = 0;
};
struct KeyRotated {  // on the old key
  std::string new_key_id;
  Millis grace_until = 0;
};
struct KeyDisabled { std::optional<std::string> reason; };
struct KeyEnabled { std::optional<std::string> reason; };
struct KeyCreditsRefilled {
  int64_t amount = 0;
  int64_t remaining = 0;  // credits after the refill
};
struct KeyExpiringSoon {
  Millis expires_at = 0;
  std::string window;  // "7d" | "1d"
};
struct KeyCreditsLow {
  int64_t remaining = 0;
  int64_t threshold = 0;
};
struct KeyLeakReported {
  std::string url;
  std::string source;
};

// ---- Org-level integrations ----------------------------------------------------------------
struct WebhookCreated {
  std::string webhook_id;
  std::string url;
  std::vector<std::string> event_types;
  std::optional<std::string> description;
  std::string secret_hash_hex;  // never rendered
};
struct WebhookDeleted { std::string webhook_id; };
struct WebhookDisabled {
  std::string webhook_id;
  std::string reason;
};
// An event of its own (docs/spec.md, Event log): re-enabling a webhook (PATCH {status: "active"}) is a change of
// state that replay must reproduce and an auditor must see, so it is an event like disabling.
struct WebhookEnabled { std::string webhook_id; };
struct ExportCreated {
  std::string export_id;
  std::string format;
  std::optional<Millis> from;
  std::optional<Millis> to;
  int64_t event_count = 0;
  uint64_t first_seq = 0;
  uint64_t last_seq = 0;
  std::string file_sha256;
};

// A widget token was minted for the org (docs/widgets.md): the actor is who minted it; the token
// itself is never stored, only its id, so the widget's later events (actor "widget") tie to it.
struct WidgetTokenMinted {
  std::string token_id;
  std::optional<std::string> user_id;
  std::vector<std::string> scopes;
  Millis expires_at = 0;
};

using EventData = std::variant<OrgCreated, OrgUpdated, KeyCreated, KeyUpdated, KeyUsed, KeyUseRejected,
                               KeyRevoked, KeyExpired, KeyRotated, KeyDisabled, KeyEnabled,
                               KeyCreditsRefilled, KeyExpiringSoon, KeyCreditsLow, KeyLeakReported,
                               WebhookCreated, WebhookDeleted, WebhookDisabled, ExportCreated,
                               WebhookEnabled, WidgetTokenMinted>;  // new types go last: metrics index by position

// The type name as it appears in JSON ("KeyRevoked"), indexed like EventData.
const char* EventTypeName(const EventData& data);
// Every type name, in EventData order.
const std::vector<std::string>& AllEventTypeNames();

struct Event {
  // Assigned by the log when the event is appended.
  uint64_t seq = 0;
  Millis recorded_at = 0;
  Hash32 prev_hash{}, hash{}, org_prev_hash{}, org_hash{};

  // Set by the command that produced the event.
  std::string id;                     // evt_<ULID>
  std::string org_id;
  std::optional<std::string> key_id;  // the key stream, or none for org-stream events
  uint64_t stream_version = 0;        // version of its stream after this event (1-based)
  Actor actor;
  std::string request_id;
  EventData data;

  // The stream an event belongs to: "key:<id>" when it names a key, else "org:<id>".
  std::string Stream() const { return key_id ? "key:" + *key_id : "org:" + org_id; }
};

}  // namespace kl
