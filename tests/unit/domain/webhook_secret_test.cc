// Webhook signing secrets and signatures (domain/webhook_secret.h, docs/webhooks.md).
#include <catch2/catch.hpp>

#include <array>

#include "domain/crypto.h"
#include "domain/webhook_secret.h"

using namespace kl;

namespace {
const std::string kId = "whk_01JDXK7Z8Q6N2V3W4X5Y6Z7A8G";
}  // namespace

TEST_CASE("webhook secrets derive from the master and the id; signatures follow docs/webhooks.md") {
  std::array<uint8_t, 32> master{};
  master[0] = 1;
  WebhookSecrets secrets(master);
  std::string a = secrets.SecretFor(kId);
  CHECK(a.rfind("whsec_", 0) == 0);
  CHECK(a.size() == 6 + 43);
  CHECK(a == secrets.SecretFor(kId));
  CHECK(a != secrets.SecretFor("whk_01JDXK7Z8Q6N2V3W4X5Y6Z7A8H"));
  std::array<uint8_t, 32> other{};
  CHECK(a != WebhookSecrets(other).SecretFor(kId));

  // RFC 4231 test case 2: HMAC-SHA256("Jefe", "what do ya want for nothing?").
  CHECK(ToHex(HmacSha256("Jefe", "what do ya want for nothing?")) ==
        "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
  // The header signs "<t>.<body>".
  CHECK(WebhookSignatureHeader("Jefe", 1700000000, "{}") ==
        "t=1700000000,v1=" + ToHex(HmacSha256("Jefe", "1700000000.{}")));
}
