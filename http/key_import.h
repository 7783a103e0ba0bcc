// Importing keys by their hash, as POST /v1/orgs/{org}/api-keys/import and Unkey's
// keys.migrateKeys both do it (docs/spec.md, Importing keys): one append of a KeyCreated per
// accepted key, and an answer per key. The routes differ only in how they read their body and
// render the result.
#pragma once
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "domain/key_import.h"
#include "http/context.h"
#include "http/services.h"

namespace kl::http {

inline constexpr size_t kMaxImportBatch = 100;

// One key of a batch, as read from the body. `hash` is nullopt when `hash_text` is not a SHA-256
// in the variant given (the key then fails with `type_errors`).
struct KeyImportItem {
  std::string hash_text;  // as the caller wrote it: how the answer names the key
  std::optional<Hash32> hash;
  CreateKeyInput input;
  FieldErrors type_errors;
};

struct KeyImportResult {
  struct Imported {
    std::string hash_text;
    std::string key_id;
  };
  struct Failed {
    std::string hash_text;
    Status status;
  };
  std::vector<Imported> imported;
  std::vector<Failed> failed;
};
using KeyImportDone = std::function<void(Result<KeyImportResult>)>;

// The batch's keys in order: each one imported, or failed with its own reason (a 400's fields,
// 409 for a hash that names a key already, or another key of the same batch). The whole batch
// fails (404, 402) only when the org cannot take keys. `done` runs once, on this thread or the
// log's writer.
void ImportKeys(Services& s, std::shared_ptr<RequestContext> ctx, const std::string& org_id,
                std::vector<KeyImportItem> items, std::optional<std::string> migration_id, KeyImportDone done);

}  // namespace kl::http
