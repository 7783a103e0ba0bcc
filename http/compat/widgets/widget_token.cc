#include "http/compat/widgets/widget_token.h"

#include "http/compat/widgets/widget_claim_text.h"

#include <jwt.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include <cstdlib>

#include <nlohmann/json.hpp>

#include "domain/crypto.h"
#include "domain/ids.h"

namespace kl::http::widgets {

namespace {

Status Unauthenticated() { return Status(Code::kUnauthenticated, "a valid widget token is required"); }

struct JwtFree {
  void operator()(jwt_t* j) const { jwt_free(j); }
};
using JwtPtr = std::unique_ptr<jwt_t, JwtFree>;
struct CFree {
  void operator()(char* p) const { std::free(p); }
};
using CStr = std::unique_ptr<char, CFree>;
struct BioFree {
  void operator()(BIO* b) const { BIO_free(b); }
};
struct PkeyFree {
  void operator()(EVP_PKEY* k) const { EVP_PKEY_free(k); }
};
using PkeyPtr = std::unique_ptr<EVP_PKEY, PkeyFree>;

std::string BioText(BIO* bio) {
  char* data = nullptr;
  long n = BIO_get_mem_data(bio, &data);
  return n > 0 ? std::string(data, static_cast<size_t>(n)) : std::string();
}

// The claims out of the payload's JSON, every member with its type (the token verified already).
Result<WidgetClaims> ClaimsOf(const nlohmann::json& j) {
  if (!j.is_object()) return Unauthenticated();
  WidgetClaims c;
  auto str = [&](const char* name, std::string& out) {
    auto it = j.find(name);
    if (it == j.end() || !it->is_string() || it->get_ref<const std::string&>().empty()) return false;
    out = it->get<std::string>();
    return true;
  };
  if (!str("jti", c.token_id) || !str("org_id", c.org_id)) return Unauthenticated();
  if (auto sub = j.find("sub"); sub != j.end()) {
    if (!sub->is_string() || sub->get_ref<const std::string&>().empty()) return Unauthenticated();
    c.user_id = sub->get<std::string>();
  }
  auto exp = j.find("exp");
  if (exp == j.end() || !exp->is_number_integer()) return Unauthenticated();
  c.expires_at_s = exp->get<int64_t>();
  auto perms = j.find("permissions");
  if (perms == j.end() || !perms->is_array()) return Unauthenticated();
  for (const auto& p : *perms) {
    if (!p.is_string()) return Unauthenticated();
    c.scopes.push_back(p.get<std::string>());
  }
  return c;
}

// The payload libjwt signs: only ASCII members (the widget's atob reads bytes as Latin-1).
nlohmann::json PayloadOf(const WidgetClaims& c) {
  nlohmann::json j = {{"jti", c.token_id}, {"org_id", c.org_id}, {"exp", c.expires_at_s},
                      {"permissions", c.scopes}};
  if (c.user_id) j["sub"] = *c.user_id;
  return j;
}

}  // namespace

// In base64, an ASCII byte at offset 2 of a 3-byte group is its own last 6-bit digit, which is
// '-' (62) or '_' (63) exactly for '>', '?', '~' and DEL; at offsets 0 and 1 no ASCII byte
// reaches 62 or 63. So a payload of printable ASCII without those three encodes cleanly wherever
// its members fall; the token id's re-draw stays as a check of the whole.
bool IsClaimText(std::string_view s) {
  for (unsigned char ch : s)
    if (ch < 0x20 || ch > 0x7d || ch == '>' || ch == '?') return false;
  return true;
}

namespace {

}  // namespace

bool IsWidgetScope(std::string_view scope) {
  return scope == kScopeApiKeysManage || scope == kScopeUserKeysManageSelf || scope == kScopeUserKeysManageAll;
}

bool WidgetClaims::HasScope(std::string_view scope) const {
  for (const auto& s : scopes)
    if (s == scope) return true;
  return false;
}

bool PayloadIsAtobSafe(std::string_view token) {
  size_t a = token.find('.');
  size_t b = a == std::string_view::npos ? a : token.find('.', a + 1);
  if (b == std::string_view::npos) return false;
  std::string_view payload = token.substr(a + 1, b - a - 1);
  return payload.find_first_of("-_") == std::string_view::npos;
}

Result<WidgetClaims> ParseWidgetToken(std::string_view token, const std::string& public_pem) {
  if (token.empty() || token.size() > kMaxWidgetTokenSize) return Unauthenticated();
  if (token.find('\0') != std::string_view::npos) return Unauthenticated();
  std::string text(token);
  jwt_t* raw = nullptr;
  int rc = jwt_decode(&raw, text.c_str(), reinterpret_cast<const unsigned char*>(public_pem.data()),
                      static_cast<int>(public_pem.size()));
  JwtPtr jwt(raw);
  if (rc != 0 || !jwt) return Unauthenticated();
  // libjwt verifies with whatever algorithm the header names; only ES256 is ours (alg none, or
  // HS256 keyed with the public key's PEM, must never pass).
  if (jwt_get_alg(jwt.get()) != JWT_ALG_ES256) return Unauthenticated();
  CStr grants(jwt_get_grants_json(jwt.get(), nullptr));
  if (!grants) return Unauthenticated();
  auto j = nlohmann::json::parse(grants.get(), nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded()) return Unauthenticated();
  return ClaimsOf(j);
}

Result<std::shared_ptr<const WidgetTokenKey>> WidgetTokenKey::FromPrivatePem(const std::string& pem) {
  std::unique_ptr<BIO, BioFree> in(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  PkeyPtr key(in ? PEM_read_bio_PrivateKey(in.get(), nullptr, nullptr, nullptr) : nullptr);
  if (!key || EVP_PKEY_get_base_id(key.get()) != EVP_PKEY_EC || EVP_PKEY_get_bits(key.get()) != 256)
    return Status(Code::kInternal, "the widget key must be a P-256 (prime256v1) private key in PEM");
  std::unique_ptr<BIO, BioFree> out(BIO_new(BIO_s_mem()));
  if (!out || PEM_write_bio_PUBKEY(out.get(), key.get()) != 1)
    return Status(Code::kInternal, "cannot derive the widget key's public key");
  auto k = std::make_shared<WidgetTokenKey>();
  k->private_pem_ = pem;
  k->public_pem_ = BioText(out.get());
  return std::shared_ptr<const WidgetTokenKey>(std::move(k));
}

Result<std::string> WidgetTokenKey::GeneratePrivatePem() {
  PkeyPtr key(EVP_EC_gen("P-256"));
  std::unique_ptr<BIO, BioFree> out(BIO_new(BIO_s_mem()));
  if (!key || !out || PEM_write_bio_PrivateKey(out.get(), key.get(), nullptr, nullptr, 0, nullptr, nullptr) != 1)
    return Status(Code::kInternal, "cannot generate a widget key");
  return BioText(out.get());
}

Result<std::string> WidgetTokenKey::Mint(const WidgetClaims& claims, int64_t now_s, std::string* token_id) const {
  if (!IsClaimText(claims.org_id)) return Status::Validation({{"organization_id", kClaimTextRule}});
  if (claims.user_id && !IsClaimText(*claims.user_id)) return Status::Validation({{"user_id", kClaimTextRule}});
  static constexpr char kBase32[] = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";
  // The id's length varies with the attempt (0..2 more characters), which shifts every later
  // member's alignment in the base64 text: a member that encodes to '-' or '_' in one alignment
  // does not in another.
  for (int attempt = 0; attempt < 96; ++attempt) {
    WidgetClaims c = claims;
    c.token_id = NewId("wtk", now_s * 1000);
    uint8_t extra[2];
    RandomBytes(extra, sizeof extra);
    for (int i = 0; i < attempt % 3; ++i) c.token_id.push_back(kBase32[extra[i] % 32]);
    jwt_t* raw = nullptr;
    if (jwt_new(&raw) != 0) return Status(Code::kInternal, "cannot make a widget token");
    JwtPtr jwt(raw);
    std::string payload = PayloadOf(c).dump();
    if (jwt_add_grants_json(jwt.get(), payload.c_str()) != 0 ||
        jwt_set_alg(jwt.get(), JWT_ALG_ES256, reinterpret_cast<const unsigned char*>(private_pem_.data()),
                    static_cast<int>(private_pem_.size())) != 0)
      return Status(Code::kInternal, "cannot sign a widget token");
    CStr token(jwt_encode_str(jwt.get()));
    if (!token) return Status(Code::kInternal, "cannot sign a widget token");
    std::string out(token.get());
    if (!PayloadIsAtobSafe(out)) continue;
    if (token_id) *token_id = c.token_id;
    return out;
  }
  return Status(Code::kInternal, "no widget token id gave a payload the browser can decode");
}

Result<WidgetClaims> WidgetTokenKey::Verify(std::string_view token, int64_t now_s) const {
  auto claims = ParseWidgetToken(token, public_pem_);
  if (!claims.ok()) return claims;
  if (claims->expires_at_s <= now_s) return Status(Code::kPermissionDenied, "the widget token has expired");
  return claims;
}

}  // namespace kl::http::widgets
