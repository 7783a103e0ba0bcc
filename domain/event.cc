#include "domain/event.h"

namespace kl {

const std::vector<std::string>& AllEventTypeNames() {
  static const std::vector<std::string> kNames = {
      "OrgCreated", "OrgUpdated", "KeyCreated", "KeyUpdated", "KeyUsed", "KeyUseRejected",
      "KeyRevoked", "KeyExpired", "KeyRotated", "KeyDisabled", "KeyEnabled",
      "KeyCreditsRefilled", "KeyExpiringSoon", "KeyCreditsLow", "KeyLeakReported",
      "WebhookCreated", "WebhookDeleted", "WebhookDisabled", "ExportCreated", "WebhookEnabled",
      "WidgetTokenMinted"};
  static_assert(std::variant_size_v<EventData> == 21);
  return kNames;
}

const char* EventTypeName(const EventData& data) { return AllEventTypeNames()[data.index()].c_str(); }

}  // namespace kl
