// The webhook aggregate (docs/webhooks.md): an org's subscription to its own events. Webhook events
// live on the org's stream, so creating, disabling, enabling and deleting them are ordered with
// the org's other changes and covered by its hash chain.
#pragma once
#include <optional>
#include <string>
#include <vector>

#include "domain/command.h"
#include "domain/event.h"
#include "domain/org.h"
#include "domain/status.h"

namespace kl {

inline constexpr size_t kMaxWebhooksPerOrg = 16;

struct WebhookState {
  std::string id;
  std::string org_id;
  std::string url;
  std::vector<std::string> event_types;  // type names, or {"*"}
  std::optional<std::string> description;
  std::string secret_hash_hex;
  std::string status = "active";  // active | disabled
  std::optional<std::string> disabled_reason;
  Millis created_at = 0;
  Millis updated_at = 0;
  uint64_t created_seq = 0;  // deliveries start after this event

  // Whether an event of `type` goes to this webhook (its status aside).
  bool Wants(const std::string& type) const;
};

// Folds one webhook event into the webhook it names; WebhookDeleted leaves nullopt. Events of
// other webhooks or other types are ignored.
void EvolveWebhook(std::optional<WebhookState>& state, const Event& event);
// The webhook id a webhook event names, or nullptr for other events.
const std::string* WebhookIdOf(const EventData& data);

struct CreateWebhookInput {
  std::optional<std::string> url;
  std::optional<std::vector<std::string>> event_types;
  std::optional<std::string> description;
};

// `id` and `secret_hash_hex` are chosen by the caller (the secret is derived from the id, see
// webhook_secret.h); `existing` is how many webhooks the org has.
Result<std::vector<Event>> DecideCreateWebhook(const OrgState& org, size_t existing, const CreateWebhookInput& in,
                                               FieldErrors type_errors, bool allow_insecure, const std::string& id,
                                               const std::string& secret_hash_hex, const CommandContext& ctx);
// status "active" appends WebhookEnabled, "disabled" WebhookDisabled{reason}; none when unchanged.
Result<std::vector<Event>> DecideSetWebhookStatus(const OrgState& org, const WebhookState& webhook,
                                                  const std::optional<std::string>& status,
                                                  FieldErrors type_errors, const std::string& reason,
                                                  const CommandContext& ctx);
Result<std::vector<Event>> DecideDeleteWebhook(const OrgState& org, const WebhookState& webhook,
                                               const CommandContext& ctx);

}  // namespace kl
