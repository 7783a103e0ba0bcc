// Export verification over untrusted bytes (exports::VerifyExportContents): every malformed
// manifest or file is a refusal with a message, never an exception, a crash or UB. Each case
// here is a finding of tests/fuzz/export_verify_fuzz.cc or of reading the code for it
// (docs/fuzzing.md, F5-F7).
#include <catch2/catch.hpp>

#include <nlohmann/json.hpp>

#include "domain/crypto.h"
#include "domain/signer.h"
#include "events/canonical_json.h"
#include "exports/verify.h"

using nlohmann::json;
using kl::exports::VerifyExportContents;

namespace {

const kl::Signer& TestSigner() {
  static auto signer = *kl::Signer::Generate();
  return *signer;
}

// `m` with the test key, the file's hash unless `m` sets its own, and a valid signature: the
// verifier gets past the signature and the file hash to whatever the case is about.
std::string Signed(json m, const std::string& file) {
  m["public_key_pem"] = TestSigner().PublicPem();
  if (!m.contains("file_sha256")) m["file_sha256"] = kl::ToHex(kl::Sha256(file));
  if (!m.contains("org_id")) m["org_id"] = nullptr;
  m["signature"] = TestSigner().SignBase64(kl::events::Canonicalize(m));
  return m.dump();
}

void CheckRefused(const std::string& manifest, const std::string& file) {
  kl::exports::VerifyOutcome out;
  REQUIRE_NOTHROW(out = VerifyExportContents(manifest, file, std::nullopt));
  INFO(out.message);
  CHECK_FALSE(out.ok);
  CHECK_FALSE(out.message.empty());
}

std::string Nested(size_t depth) { return std::string(depth, '[') + std::string(depth, ']'); }

}  // namespace

TEST_CASE("F5: manifest fields of the wrong type are refusals, not exceptions", "[exports]") {
  const std::string file = "";
  CheckRefused(R"({"signature":"x","public_key_pem":5})", file);
  CheckRefused(R"({"signature":5})", file);
  CheckRefused(R"([1,2])", file);
  CheckRefused("not json", file);
  CheckRefused(Signed({{"format", 5}, {"event_count", 0}}, file), file);
  CheckRefused(Signed({{"file_sha256", json::array()}, {"event_count", 0}}, file), file);
  CheckRefused(Signed({{"event_count", "0"}}, file), file);
  CheckRefused(Signed({{"event_count", json::object()}}, file), file);
}

TEST_CASE("F6: numbers out of range are refusals, not float-to-integer UB", "[exports]") {
  const std::string empty = "";
  CheckRefused(Signed({{"event_count", 1e300}}, empty), empty);
  CheckRefused(Signed({{"event_count", -1}}, empty), empty);
  CheckRefused(Signed({{"event_count", 0.5}}, empty), empty);
  for (const char* seq : {"1e300", "-1", "1.5", "\"1\"", "null"}) {
    std::string file = std::string(R"({"seq":)") + seq + "}\n";
    CheckRefused(Signed({{"event_count", 1}}, file), file);
  }
}

TEST_CASE("F7: deep nesting in the manifest or the file is refused before anything recurses", "[exports]") {
  std::string deep = Nested(1'000'000);  // far past any stack, in every recursive walk
  CheckRefused(R"({"signature":"x","public_key_pem":"y","extra":)" + deep + "}", "");
  std::string file = R"({"seq":1,"data":)" + deep + "}\n";
  CheckRefused(Signed({{"event_count", 1}}, file), file);
  std::string csv = "seq,id,type,org_id,key_id,stream_version,recorded_at,actor_type,actor_id,request_id,data,"
                    "prev_hash,hash,org_prev_hash,org_hash\n1,e,T,,,1,t,admin,a,r," +
                    deep + ",00,00,00,00\n";
  CheckRefused(Signed({{"event_count", 1}, {"format", "csv"}}, csv), csv);
}

TEST_CASE("event fields of the wrong type are refusals (the old code caught these already; kept as a guard)", "[exports]") {
  std::string zero(64, '0');
  for (const std::string& line :
       std::vector<std::string>{R"({"seq":1,"prev_hash":5,"org_prev_hash":5})", R"({"seq":1,"prev_hash":[],"hash":{}})",
        R"({"seq":1,"org_id":null,"prev_hash":")" + zero + R"(","org_prev_hash":")" + zero + R"(","hash":1,"org_hash":2})"}) {
    std::string file = line + "\n";
    CheckRefused(Signed({{"event_count", 1}}, file), file);
  }
}

TEST_CASE("an empty export with a valid signature verifies; a changed manifest does not", "[exports]") {
  std::string manifest = Signed({{"event_count", 0}, {"format", "ndjson"}}, "");
  auto out = VerifyExportContents(manifest, "", std::nullopt);
  INFO(out.message);
  CHECK(out.ok);
  json m = json::parse(manifest);
  m["event_count"] = 1;
  CheckRefused(m.dump(), "");
}
