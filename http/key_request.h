// The bodies of the key routes, read into the domain's inputs: what each accepts (its BodyShape,
// docs/openapi.yaml's CreateApiKeyRequest and neighbours) and how it is read. Type mistakes go
// into `errors` under the member's path ("credits.refill.amount"), so one 400 names them all
// together with the domain's own checks. The routes and json_input_fuzz read bodies through
// these same functions.
#pragma once
#include <nlohmann/json.hpp>

#include "domain/key.h"
#include "http/input_shape.h"
#include "http/key_import.h"

namespace kl::http {

extern const BodyShape kCreateKeyBody;
extern const BodyShape kUpdateKeyBody;
extern const BodyShape kRotateKeyBody;
extern const BodyShape kRevokeKeyBody;
extern const BodyShape kImportKeysBody;

CreateKeyInput ReadCreateKey(const nlohmann::json& body, FieldErrors& errors);
// Everything but if_match, which comes from the If-Match header.
UpdateKeyInput ReadUpdateKey(const nlohmann::json& body, FieldErrors& errors);
std::optional<int64_t> ReadRotateKey(const nlohmann::json& body, FieldErrors& errors);  // grace_seconds
bool ReadRotateKeepExpiry(const nlohmann::json& body, FieldErrors& errors);           // keep_expiry, default false
std::optional<std::string> ReadRevokeKey(const nlohmann::json& body, FieldErrors& errors);  // reason

// POST /v1/orgs/{org}/api-keys/import. `errors` gets what fails the whole body (a missing or
// oversized `keys`); each key's own mistakes stay in its item and fail that key alone.
struct ImportKeysRequest {
  std::optional<std::string> migration_id;
  std::vector<KeyImportItem> items;
};
ImportKeysRequest ReadImportKeys(const nlohmann::json& body, FieldErrors& errors);

}  // namespace kl::http
