// Widget tokens (docs/widgets.md): compact JWS signed with ES256 by a key kept for this purpose
// only (never the ledger's signing key). The browser widget decodes the payload with `atob`,
// which refuses base64url's '-' and '_', so minting re-draws the token id until the encoded
// payload has neither, and the claims stay ASCII.
#pragma once
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "domain/status.h"

namespace kl::http::widgets {

// The scopes a token may carry, as the widget package checks them in its `permissions` claim.
inline constexpr std::string_view kScopeApiKeysManage = "widgets:api-keys:manage";
inline constexpr std::string_view kScopeUserKeysManageSelf = "widgets:user-api-keys:manage-self";
inline constexpr std::string_view kScopeUserKeysManageAll = "widgets:user-api-keys:manage-all";
bool IsWidgetScope(std::string_view scope);

struct WidgetClaims {
  std::string token_id;                // jti: wtk_<ULID>[suffix]
  std::string org_id;                  // org_id
  std::optional<std::string> user_id;  // sub
  std::vector<std::string> scopes;     // permissions
  int64_t expires_at_s = 0;            // exp, seconds since the epoch

  bool HasScope(std::string_view scope) const;
};

// The longest token a request may present (a minted one is well under 1 KB).
inline constexpr size_t kMaxWidgetTokenSize = 4096;

// Reads and checks a token against the public key (PEM): the header must say ES256, the signature
// must verify, and the claims must have their types. Expiry is the caller's (VerifyWidgetToken).
// Every failure is kUnauthenticated. The fuzz target tests/fuzz/widget_token_fuzz.cc drives it.
[[nodiscard]] Result<WidgetClaims> ParseWidgetToken(std::string_view token, const std::string& public_pem);

class WidgetTokenKey {
 public:
  // A P-256 private key in PEM.
  [[nodiscard]] static Result<std::shared_ptr<const WidgetTokenKey>> FromPrivatePem(const std::string& pem);
  [[nodiscard]] static Result<std::string> GeneratePrivatePem();

  // Signs `claims` with a fresh token id (claims.token_id is ignored) and returns the token; the
  // id drawn is written to `*token_id`.
  [[nodiscard]] Result<std::string> Mint(const WidgetClaims& claims, int64_t now_s, std::string* token_id) const;
  // ParseWidgetToken, then expiry: a token past `exp` is kPermissionDenied (the widget shows
  // "Session expired" on a 403 once exp has passed, and refetches its token first).
  [[nodiscard]] Result<WidgetClaims> Verify(std::string_view token, int64_t now_s) const;

  const std::string& public_pem() const { return public_pem_; }

 private:
  std::string private_pem_;
  std::string public_pem_;
};

// Whether a compact JWS's payload segment decodes with the browser's atob (no '-' or '_').
bool PayloadIsAtobSafe(std::string_view token);

}  // namespace kl::http::widgets
