#include <catch2/catch.hpp>

#include <cctype>

#include "domain/crypto.h"
#include "domain/key_import.h"
#include "domain/signer.h"

using namespace kl;

static CommandContext Ctx() { return CommandContext{1'800'000'000'000, Actor{"admin", "admin"}, "req"}; }
static OrgState Org(const std::string& status = "active") { return OrgState{"acme", "Acme", status, 0, 0, 1}; }

static std::string Base64Of(const Hash32& h) {
  return Base64Encode(std::string_view(reinterpret_cast<const char*>(h.data()), h.size()));
}

TEST_CASE("a secret's hash reads in hex and in base64, either alphabet, padded or not", "[domain]") {
  Hash32 h = Sha256("unkey_3ZfTpLhHZbZyHLZ8Q9Ww6k");
  CHECK(ParseSecretHash(ToHex(h), "sha256_hex") == h);
  std::string upper = ToHex(h);
  for (char& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  CHECK(ParseSecretHash(upper, "sha256_hex") == h);
  std::string b64 = Base64Of(h);
  CHECK(ParseSecretHash(b64, "sha256_base64") == h);
  CHECK(ParseSecretHash(b64.substr(0, 43), "sha256_base64") == h);  // unpadded
  std::string url = b64;
  for (char& c : url) c = c == '+' ? '-' : c == '/' ? '_' : c;
  CHECK(ParseSecretHash(url, "sha256_base64") == h);

  CHECK_FALSE(ParseSecretHash(ToHex(h), "sha256_base64"));
  CHECK_FALSE(ParseSecretHash(b64, "sha256_hex"));
  CHECK_FALSE(ParseSecretHash(ToHex(h).substr(1), "sha256_hex"));
  CHECK_FALSE(ParseSecretHash("not base64 at all, but forty-four chars long", "sha256_base64"));
  CHECK_FALSE(ParseSecretHash(ToHex(h), "bcrypt"));

  CHECK(SecretHashVariantOf(ToHex(h)) == "sha256_hex");
  CHECK(SecretHashVariantOf(b64) == "sha256_base64");
  CHECK_FALSE(SecretHashVariantOf("short"));
}

TEST_CASE("an imported key is a KeyCreated marked imported, carrying the hash and never a secret", "[domain]") {
  ImportKeyInput in;
  in.key.name = "from unkey";
  in.key.permissions = std::vector<std::string>{"posts:read"};
  in.key.ttl_seconds = 60;
  in.secret_hash = Sha256("unkey_plaintext");
  in.migration_id = "unkey-2026";
  auto r = DecideImportKey(Org(), "acme", in, {}, false, Ctx());
  REQUIRE(r.ok());
  const auto& c = std::get<KeyCreated>(r->event.data);
  CHECK(c.imported);
  CHECK(c.migration_id == "unkey-2026");
  CHECK(c.secret_hash_hex == ToHex(Sha256("unkey_plaintext")));
  CHECK(c.obfuscated_value == "sk_live_\u2026");
  CHECK(c.permissions == std::vector<std::string>{"posts:read"});
  CHECK(c.expires_at == Ctx().now + 60'000);
  CHECK(r->event.key_id == r->key_id);
  CHECK(r->event.stream_version == 1);

  std::optional<KeyState> key;
  EvolveKey(key, r->event);
  REQUIRE(key);
  CHECK(key->imported);
  CHECK(key->secret_hash_hex == c.secret_hash_hex);
  // It validates like any key: its checks know nothing of where it came from.
  CHECK(CheckKeyForUse(*key, "active", Ctx().now, {"posts:read"}) == ValidationCode::kValid);
  CHECK(CheckKeyForUse(*key, "active", Ctx().now + 61'000, {}) == ValidationCode::kExpired);
}

TEST_CASE("an import is checked as a creation, then refused for a hash already taken", "[domain]") {
  ImportKeyInput in;
  in.secret_hash = Sha256("x");
  auto unnamed = DecideImportKey(Org(), "acme", in, {{"hash", "is required"}}, false, Ctx());
  REQUIRE_FALSE(unnamed.ok());
  CHECK(unnamed.status().code() == Code::kValidation);
  CHECK(unnamed.status().fields().count("name") == 1);
  CHECK(unnamed.status().fields().count("hash") == 1);

  in.key.name = "k";
  in.migration_id = "";
  CHECK(DecideImportKey(Org(), "acme", in, {}, false, Ctx()).status().fields().count("migration_id") == 1);
  in.migration_id.reset();
  CHECK(DecideImportKey(std::nullopt, "acme", in, {}, false, Ctx()).status().code() == Code::kNotFound);
  CHECK(DecideImportKey(Org("past_due"), "acme", in, {}, false, Ctx()).status().code() == Code::kTenantInactive);
  CHECK(DecideImportKey(Org(), "acme", in, {}, true, Ctx()).status().code() == Code::kConflict);
}

TEST_CASE("a created key is not imported", "[domain]") {
  CreateKeyInput in;
  in.name = "native";
  auto r = DecideCreateKey(Org(), "acme", in, {}, Ctx());
  REQUIRE(r.ok());
  const auto& c = std::get<KeyCreated>(r->events[0].data);
  CHECK_FALSE(c.imported);
  CHECK_FALSE(c.migration_id);
  CHECK(c.secret_hash_hex == ToHex(Sha256(r->secret_value)));
}
