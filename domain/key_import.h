// Importing keys by their hash (docs/spec.md, Importing keys): a key issued elsewhere keeps
// working after a move to keyledger. The customer's previous provider kept only the SHA-256 of
// each secret; that hash is all an import carries, so keyledger never sees the plaintext. The
// key is a KeyCreated marked `imported`, and validates like any other once its secret is
// presented (http/key_check.cc looks a secret without keyledger's format up by its SHA-256).
#pragma once
#include <optional>
#include <string>
#include <string_view>

#include "domain/command.h"
#include "domain/event.h"
#include "domain/key.h"
#include "domain/org.h"
#include "domain/status.h"

namespace kl {

// How a secret's hash is written: "sha256_hex" (64 hex digits) or "sha256_base64" (the 32 bytes
// in base64, standard or URL-safe alphabet, padded or not). nullopt: not a SHA-256 so written,
// or an unknown variant.
std::optional<Hash32> ParseSecretHash(std::string_view value, std::string_view variant);
// The variant a bare hash is written in, told by its length (64: hex, 43 or 44: base64), for
// callers that send no variant (Unkey's migrateKeys); nullopt when neither fits.
std::optional<std::string_view> SecretHashVariantOf(std::string_view value);

struct ImportKeyInput {
  CreateKeyInput key;  // the key's attributes, checked as a creation's (docs/spec.md, Creating keys)
  Hash32 secret_hash{};
  std::optional<std::string> migration_id;
};

struct ImportedKey {
  Event event;  // the KeyCreated, marked imported
  std::string key_id;
};

inline constexpr size_t kMaxMigrationId = 200;

// The creation's checks (all violations at once, merged with `type_errors`), then the org's state
// (404/402), then 409 when `hash_taken` (a key with this secret hash exists: a secret names one
// key). The obfuscated value shows no digit of the secret, which keyledger never saw.
Result<ImportedKey> DecideImportKey(const std::optional<OrgState>& org, const std::string& org_id,
                                    const ImportKeyInput& in, FieldErrors type_errors, bool hash_taken,
                                    const CommandContext& ctx);

}  // namespace kl
