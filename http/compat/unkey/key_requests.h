// The bodies of Unkey v2's key routes, read into the domain inputs /v1 uses (docs/compat.md,
// Unkey). Each route's BodyShape lists every member the pinned @unkey/api client sends, the
// ones keyledger does not use included (byteLength, recoverable: false, tags, …), so strict
// input still refuses a misspelled member. A member whose meaning keyledger lacks (roles,
// externalId, recoverable: true, several rate limits) is a 400 naming it, never dropped.
#pragma once
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "domain/key.h"
#include "domain/status.h"
#include "http/input_shape.h"
#include "http/key_import.h"

namespace kl::http::unkey {

extern const BodyShape kCreateKeyBody;
extern const BodyShape kUpdateKeyBody;
extern const BodyShape kVerifyKeyBody;
extern const BodyShape kKeyIdBody;       // getKey: keyId, decrypt
extern const BodyShape kDeleteKeyBody;   // keyId, permanent
extern const BodyShape kWhoamiBody;      // key
extern const BodyShape kRerollKeyBody;   // keyId, expiration
extern const BodyShape kUpdateCreditsBody;
extern const BodyShape kPermissionsBody; // keyId, permissions
extern const BodyShape kMigrateKeysBody;  // migrationId, apiId, keys

struct CreateKeyRequest {
  std::string api_id;
  CreateKeyInput input;
};
CreateKeyRequest ReadCreateKey(const nlohmann::json& body, FieldErrors& errors);

// keys.migrateKeys: each key a createKey body plus its `hash`, whose encoding (hex or base64 of
// the secret's SHA-256) is told by its length. A key's own mistakes stay in its item.
struct MigrateKeysRequest {
  std::string api_id;
  std::string migration_id;
  std::vector<KeyImportItem> items;
};
MigrateKeysRequest ReadMigrateKeys(const nlohmann::json& body, FieldErrors& errors);

// updateKey's credits are a partial object: an absent member keeps the key's current value.
struct CreditsPatch {
  bool remove = false;                                   // credits: null, or remaining: null
  std::optional<int64_t> remaining;                      // absent: keep the balance
  std::optional<std::optional<CreditRefill>> refill;     // absent: keep; null: no refill
};
struct UpdateKeyRequest {
  std::string key_id;
  UpdateKeyInput input;  // everything but credits
  std::optional<CreditsPatch> credits;
};
UpdateKeyRequest ReadUpdateKey(const nlohmann::json& body, FieldErrors& errors);
// The credits gate a patch leaves on `key` (nullopt: unlimited). An absent `remaining` keeps the
// balance as read (written back as /v1's PATCH writes it).
Result<std::optional<Credits>> ApplyCreditsPatch(const KeyState& key, const CreditsPatch& patch);

// A required non-empty string member (keyId, apiId, key).
std::string RequiredString(const nlohmann::json& body, const char* name, FieldErrors& errors);
// A boolean member that must be false (or absent) because keyledger cannot honour true
// (decrypt: keyledger keeps no plaintext; permanent: the ledger never forgets).
void RequireFalse(const nlohmann::json& body, const char* name, const char* why, FieldErrors& errors);

}  // namespace kl::http::unkey
