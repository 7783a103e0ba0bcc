#include "domain/webhook_secret.h"

#include "domain/base62.h"
#include "domain/crypto.h"

namespace kl {

std::string WebhookSecrets::SecretFor(const std::string& webhook_id) const {
  Hash32 mac = HmacSha256(std::string_view(reinterpret_cast<const char*>(master_.data()), master_.size()), webhook_id);
  return "whsec_" + Base62Encode(mac.data(), mac.size(), 43);
}

std::string WebhookSignatureHeader(std::string_view secret, int64_t unix_seconds, std::string_view body) {
  std::string t = std::to_string(unix_seconds);
  std::string signed_payload;
  signed_payload.reserve(t.size() + 1 + body.size());
  signed_payload.append(t).append(".").append(body);
  return "t=" + t + ",v1=" + ToHex(HmacSha256(secret, signed_payload));
}

}  // namespace kl
