// Fuzzes the widget token parser (http/compat/widgets/widget_token.h, docs/widgets.md), which reads
// the bearer token of every /_widgets request, with properties checked against an oracle that
// does not use the code under test:
//
// 1. Nothing crashes or throws, whatever the bytes.
// 2. A token the parser accepts under the harness's public key has a header that, decoded by the
//    harness's own base64url reader, names "alg":"ES256" (never none, never HS256), and claims
//    whose org_id, jti and permissions are present.
// 3. With byte 0's bit 0 set, the rest is split into an org id and a user id and a token is
//    minted for them: it verifies to exactly those claims, its payload has no '-' or '_' (the
//    browser's atob), and a one-byte change anywhere in it is refused.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>

#include <nlohmann/json.hpp>

#include "http/compat/widgets/widget_token.h"

using namespace kl::http::widgets;

namespace {

void Fail(const char* what, const std::string& input) {
  std::fprintf(stderr, "widget_token_fuzz: %s: \"%s\"\n", what, input.c_str());
  std::abort();
}

const WidgetTokenKey& HarnessKey() {
  static std::shared_ptr<const WidgetTokenKey> key = [] {
    auto pem = WidgetTokenKey::GeneratePrivatePem();
    if (!pem.ok()) std::abort();
    auto k = WidgetTokenKey::FromPrivatePem(*pem);
    if (!k.ok()) std::abort();
    return *k;
  }();
  return *key;
}

std::string Base64UrlDecode(const std::string& in) {
  std::string out;
  int val = 0, bits = -8;
  for (char c : in) {
    int d = c >= 'A' && c <= 'Z' ? c - 'A' : c >= 'a' && c <= 'z' ? c - 'a' + 26 : c >= '0' && c <= '9' ? c - '0' + 52
          : c == '-' ? 62 : c == '_' ? 63 : -1;
    if (d < 0) return "";
    val = (val << 6) | d;
    bits += 6;
    if (bits >= 0) {
      out.push_back(static_cast<char>((val >> bits) & 0xFF));
      bits -= 8;
    }
  }
  return out;
}

void CheckAccepted(const std::string& token) {
  auto claims = ParseWidgetToken(token, HarnessKey().public_pem());
  if (!claims.ok()) return;
  std::string header = Base64UrlDecode(token.substr(0, token.find('.')));
  auto h = nlohmann::json::parse(header, nullptr, false);
  if (h.is_discarded() || !h.is_object() || h.value("alg", "") != "ES256") Fail("accepted a non-ES256 header", token);
  if (claims->org_id.empty() || claims->token_id.empty()) Fail("accepted a token without org_id or jti", token);
}

void CheckMinted(const std::string& rest) {
  size_t nul = rest.find('\0');
  WidgetClaims c;
  c.org_id = rest.substr(0, nul);
  if (nul != std::string::npos) c.user_id = rest.substr(nul + 1);
  if (c.org_id.empty() || (c.user_id && c.user_id->empty())) return;
  c.scopes = {std::string(kScopeApiKeysManage)};
  c.expires_at_s = 2000000000;
  std::string id;
  auto token = HarnessKey().Mint(c, 1000, &id);
  if (!token.ok()) return;  // a non-ASCII id is refused, never signed
  if (!PayloadIsAtobSafe(*token)) Fail("minted a payload atob cannot decode", rest);
  auto back = HarnessKey().Verify(*token, 1000);
  if (!back.ok() || back->org_id != c.org_id || back->user_id != c.user_id || back->token_id != id)
    Fail("a minted token does not verify to its claims", rest);
  size_t at = rest.size() % token->size();
  std::string edited = *token;
  edited[at] = static_cast<char>(edited[at] ^ 0x01);
  if (edited != *token && HarnessKey().Verify(edited, 1000).ok()) Fail("accepted an edited token", edited);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  std::string input(reinterpret_cast<const char*>(data), size);
  CheckAccepted(input);
  if (data[0] & 1) CheckMinted(input.substr(1, 512));
  return 0;
}
