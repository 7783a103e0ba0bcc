// Offline verification of an export (docs/spec.md, Exports): the manifest's signature, the file's hash and
// count, and every chain link in the file. Needs nothing but the two files (and optionally
// the public key the auditor trusts).
#pragma once
#include <optional>
#include <string>
#include <string_view>

namespace kl::exports {

struct VerifyOutcome {
  bool ok = false;
  std::string message;        // where and why it failed, or a summary
  std::string public_key_id;  // of the key the signature was checked against
};

VerifyOutcome VerifyExport(const std::string& file_path, const std::string& manifest_path,
                           const std::optional<std::string>& trusted_public_key_pem);

// The same checks over the two files' contents, both untrusted: any bytes give an outcome,
// never an exception or a crash (tests/fuzz/export_verify_fuzz.cc holds it to that).
VerifyOutcome VerifyExportContents(std::string_view manifest_json, std::string_view file,
                                   const std::optional<std::string>& trusted_public_key_pem);

}  // namespace kl::exports
