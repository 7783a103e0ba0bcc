// Webhook signing secrets and signatures (docs/webhooks.md, "The secret").
//
// A webhook's secret is derived, not stored: HMAC-SHA256(master, webhook id), where the master
// is derived from the service's signing key. So no plaintext secret sits in the data directory
// or the log (the log keeps only its SHA-256), a backup (which carries signing.pem) keeps
// signing for its webhooks, and the create answer is the only place the secret is shown.
#pragma once
#include <array>
#include <cstdint>
#include <string>
#include <string_view>

namespace kl {

class WebhookSecrets {
 public:
  explicit WebhookSecrets(const std::array<uint8_t, 32>& master) : master_(master) {}
  // "whsec_" + 43 base62 characters.
  std::string SecretFor(const std::string& webhook_id) const;

 private:
  std::array<uint8_t, 32> master_;
};

// The label the master is derived under from the signing key (Signer::DeriveSecret).
inline constexpr std::string_view kWebhookMasterLabel = "keyledger/webhook-secrets/v1";

// The Keyledger-Signature header value: "t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<body>")>".
std::string WebhookSignatureHeader(std::string_view secret, int64_t unix_seconds, std::string_view body);

}  // namespace kl
