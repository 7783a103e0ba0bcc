// Importing keys by their hash (docs/spec.md, Importing keys) through POST
// /v1/orgs/{org}/api-keys/import: the customer's secret, never sent, validates afterwards.
#include <catch2/catch.hpp>

#include <openssl/evp.h>
#include <openssl/sha.h>

#include "tests/e2e/kl_server.h"

using namespace kl::e2e;

namespace {

std::string Sha256Hex(const std::string& s) {
  unsigned char d[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(s.data()), s.size(), d);
  static const char* kHex = "0123456789abcdef";
  std::string out;
  for (unsigned char c : d) out += kHex[c >> 4], out += kHex[c & 15];
  return out;
}

std::string Sha256Base64(const std::string& s) {
  unsigned char d[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(s.data()), s.size(), d);
  unsigned char out[64];
  int n = EVP_EncodeBlock(out, d, SHA256_DIGEST_LENGTH);
  return std::string(reinterpret_cast<char*>(out), static_cast<size_t>(n));
}

}  // namespace

TEST_CASE("import by hash: the original secret validates, revokes, and a hash imports once", "[e2e][import]") {
  Server server;
  auto admin = server.Admin();
  std::string org = admin->Post("/v1/orgs", {{"name", "Acme"}}).Json()["id"];
  const std::string path = "/v1/orgs/" + org + "/api-keys/import";
  // Secrets issued by another provider, in its own format.
  const std::string first = "unkey_3ZfTpLhHZbZyHLZ8Q9Ww6kAbCdEf", second = "legacy-key-0123456789";

  // Junk is MALFORMED while nothing was imported.
  CHECK(Validate(*admin, first)["code"] == "MALFORMED");

  auto r = admin->Post(path, {{"migration_id", "from-unkey"},
                              {"keys",
                               {{{"hash", {{"value", Sha256Base64(first)}, {"variant", "sha256_base64"}}},
                                 {"name", "imported one"},
                                 {"permissions", {"posts:read"}}},
                                {{"hash", {{"value", Sha256Hex(second)}, {"variant", "sha256_hex"}}},
                                 {"name", "imported two"},
                                 {"credits", {{"remaining", 1}}}},
                                {{"hash", {{"value", "not-a-hash"}, {"variant", "sha256_hex"}}}, {"name", "bad"}}}}});
  REQUIRE(r.status == 200);
  auto body = r.Json();
  REQUIRE(body["imported"].size() == 2);
  CHECK(body["imported"][0]["hash"] == Sha256Base64(first));
  std::string id1 = body["imported"][0]["key_id"], id2 = body["imported"][1]["key_id"];
  REQUIRE(body["failed"].size() == 1);
  CHECK(body["failed"][0]["hash"] == "not-a-hash");
  CHECK(body["failed"][0]["error"]["code"] == "validation_error");
  CHECK(body["failed"][0]["error"]["details"]["fields"].contains("hash.value"));

  auto v = Validate(*admin, first, {{"required_permissions", {"posts:read"}}});
  CHECK(v["code"] == "VALID");
  CHECK(v["api_key"]["id"] == id1);
  CHECK(Validate(*admin, first, {{"required_permissions", {"posts:write"}}})["code"] == "INSUFFICIENT_PERMISSIONS");
  // Credits apply as on any key.
  CHECK(Validate(*admin, second)["code"] == "VALID");
  CHECK(Validate(*admin, second)["code"] == "USAGE_EXCEEDED");
  // A foreign secret no import matches is still MALFORMED.
  CHECK(Validate(*admin, "unkey_someone_elses")["code"] == "MALFORMED");

  // The ledger shows the import, and never the secret nor its hash.
  auto events = KeyEvents(*admin, org, id1);
  REQUIRE(events.size() >= 1);
  CHECK(events[0]["type"] == "KeyCreated");
  CHECK(events[0]["data"]["imported"] == true);
  CHECK(events[0]["data"]["migration_id"] == "from-unkey");
  std::string dump = admin->Get("/v1/orgs/" + org + "/api-keys/" + id1 + "/events").body;
  CHECK(dump.find(first) == std::string::npos);
  CHECK(dump.find(Sha256Hex(first)) == std::string::npos);

  // A hash that names a key already is refused, in hex or base64 alike.
  auto again = admin->Post(path, {{"keys", {{{"hash", {{"value", Sha256Hex(first)}, {"variant", "sha256_hex"}}},
                                             {"name", "duplicate"}}}}});
  REQUIRE(again.status == 200);
  CHECK(again.Json()["imported"].empty());
  REQUIRE(again.Json()["failed"].size() == 1);
  CHECK(again.Json()["failed"][0]["error"]["code"] == "conflict");

  REQUIRE(admin->Delete("/v1/orgs/" + org + "/api-keys/" + id1, {{"reason", "moved"}}).status == 200);
  CHECK(Validate(*admin, first)["code"] == "REVOKED");

  // The import survives a restart (replayed from the log, the mark that imports exist included).
  server.Stop();
  server.Start();
  admin = server.Admin();
  CHECK(Validate(*admin, first)["code"] == "REVOKED");
  CHECK(Validate(*admin, "unkey_someone_elses")["code"] == "MALFORMED");

  // Strict body: an unknown member of a key is named with its index.
  auto typo = admin->Post(path, {{"keys", {{{"hash", {{"value", Sha256Hex("x")}, {"variant", "sha256_hex"}}},
                                            {"nme", "typo"}}}}});
  CHECK(typo.status == 400);
  CHECK(typo.Json()["error"]["details"]["fields"].contains("keys[0].nme"));
  CHECK(admin->Post(path, {{"keys", json::array()}}).status == 400);
  CHECK(admin->Post("/v1/orgs/org_nope/api-keys/import",
                    {{"keys", {{{"hash", {{"value", Sha256Hex("y")}, {"variant", "sha256_hex"}}}, {"name", "n"}}}}})
            .status == 404);
}
