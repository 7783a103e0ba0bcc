// Fuzzes offline export verification (exports::VerifyExportContents, behind `keyledger
// verify-export`): an auditor runs it on a manifest and a file received from elsewhere, so both
// are untrusted bytes. Properties:
//
// - any manifest and file give an outcome: no crash, no uncaught exception, no UB (wrong-type
//   fields, deep nesting, numbers out of range are refusals with a message);
// - an accepted export is refused once one byte of its file changes (the file's hash is signed).
//
// Input: byte 0 is a mode, then the manifest, a NUL byte, and the file. A random manifest
// never carries a valid signature, so with mode bit 0 set the harness first re-signs it (with
// its own key, after setting file_sha256 to the file's hash): that lets the fuzzer reach the
// event and chain checks behind the signature. Mode bit 1 passes the harness's public key as
// the trusted one (the --public-key path) instead of trusting the manifest's.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "domain/crypto.h"
#include "domain/signer.h"
#include "events/canonical_json.h"
#include "exports/verify.h"

using nlohmann::json;

namespace {

[[noreturn]] void Fail(const std::string& what) {
  std::fprintf(stderr, "export_verify_fuzz: %s\n", what.c_str());
  std::abort();
}

const kl::Signer& HarnessSigner() {
  static const std::shared_ptr<kl::Signer> signer = [] {
    auto s = kl::Signer::Generate();
    if (!s.ok()) Fail("cannot generate the harness key");
    return *s;
  }();
  return *signer;
}

// Depth without unbounded recursion: stops counting past `limit`.
int Depth(const json& v, int limit) {
  if (limit < 0 || !v.is_structured()) return 0;
  int deepest = 0;
  for (const auto& child : v) deepest = std::max(deepest, Depth(child, limit - 1));
  return deepest + 1;
}

// The manifest re-signed by the harness for this file, or the bytes as they were when the
// harness cannot do it (not a shallow JSON object, or not canonicalisable): those still go to
// the verifier unchanged.
std::string Resigned(std::string_view manifest_text, std::string_view file) {
  json m = json::parse(manifest_text, nullptr, /*allow_exceptions=*/false);
  if (m.is_discarded() || !m.is_object() || Depth(m, 16) > 8) return std::string(manifest_text);
  m.erase("signature");
  m["public_key_pem"] = HarnessSigner().PublicPem();
  m["file_sha256"] = kl::ToHex(kl::Sha256(file));
  try {
    m["signature"] = HarnessSigner().SignBase64(kl::events::Canonicalize(m));
  } catch (const std::exception&) {
    return std::string(manifest_text);
  }
  return m.dump();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  uint8_t mode = data[0];
  std::string_view rest(reinterpret_cast<const char*>(data) + 1, size - 1);
  size_t nul = rest.find('\0');
  std::string_view manifest_in = rest.substr(0, nul);
  std::string file(nul == std::string_view::npos ? std::string_view() : rest.substr(nul + 1));

  std::string manifest = (mode & 1) ? Resigned(manifest_in, file) : std::string(manifest_in);
  std::optional<std::string> trusted;
  if (mode & 2) trusted = HarnessSigner().PublicPem();

  kl::exports::VerifyOutcome outcome;
  try {
    outcome = kl::exports::VerifyExportContents(manifest, file, trusted);
  } catch (const std::exception& e) {
    Fail(std::string("VerifyExportContents threw: ") + e.what());
  }
  if (outcome.message.empty()) Fail("an outcome without a message");
  if (!outcome.ok || file.empty()) return 0;

  std::string changed = file;
  changed[mode % changed.size()] ^= 0x01;
  auto again = kl::exports::VerifyExportContents(manifest, changed, trusted);
  if (again.ok) Fail("a changed file still verifies: " + again.message);
  return 0;
}
