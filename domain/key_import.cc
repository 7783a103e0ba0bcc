#include "domain/key_import.h"

#include <algorithm>

#include "domain/crypto.h"
#include "domain/ids.h"
#include "domain/signer.h"

namespace kl {

namespace {
constexpr size_t kHexLen = 64, kBase64Len = 44, kBase64UnpaddedLen = 43;

std::optional<Hash32> FromBase64(std::string_view value) {
  if (value.size() != kBase64Len && value.size() != kBase64UnpaddedLen) return std::nullopt;
  std::string text(value);
  for (char& c : text) {
    if (c == '-') c = '+';
    else if (c == '_') c = '/';
  }
  if (text.size() == kBase64UnpaddedLen) text.push_back('=');
  if (text.back() != '=' || text[text.size() - 2] == '=') return std::nullopt;  // 32 bytes end in one '='
  auto bytes = Base64Decode(text);
  if (!bytes || bytes->size() != 32) return std::nullopt;
  Hash32 h;
  std::copy(bytes->begin(), bytes->end(), h.begin());
  return h;
}
}  // namespace

std::optional<Hash32> ParseSecretHash(std::string_view value, std::string_view variant) {
  if (variant == "sha256_hex") {
    if (value.size() != kHexLen) return std::nullopt;
    std::string lower(value);
    for (char& c : lower)
      if (c >= 'A' && c <= 'F') c = static_cast<char>(c - 'A' + 'a');
    return HashFromHex(lower);
  }
  if (variant == "sha256_base64") return FromBase64(value);
  return std::nullopt;
}

std::optional<std::string_view> SecretHashVariantOf(std::string_view value) {
  if (value.size() == kHexLen) return "sha256_hex";
  if (value.size() == kBase64Len || value.size() == kBase64UnpaddedLen) return "sha256_base64";
  return std::nullopt;
}

Result<ImportedKey> DecideImportKey(const std::optional<OrgState>& org, const std::string& org_id,
                                    const ImportKeyInput& in, FieldErrors type_errors, bool hash_taken,
                                    const CommandContext& ctx) {
  if (in.migration_id && (in.migration_id->empty() || in.migration_id->size() > kMaxMigrationId))
    type_errors.emplace("migration_id", "must be 1..200 characters");
  auto checked = DecideKeyCreated(org, org_id, in.key, std::move(type_errors), ctx);
  if (!checked.ok()) return checked.status();
  if (hash_taken) return Status(Code::kConflict, "a key with this secret hash exists");
  KeyCreated c = std::move(*checked);
  c.secret_hash_hex = ToHex(in.secret_hash);
  c.obfuscated_value = c.prefix + "_" + c.environment + "_\u2026";
  c.imported = true;
  c.migration_id = in.migration_id;
  ImportedKey out;
  out.key_id = NewId("key", ctx.now);
  out.event = NewEvent(ctx, org_id, out.key_id, 1, std::move(c));
  return out;
}

}  // namespace kl
