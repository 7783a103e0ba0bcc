#include "domain/webhook.h"

#include <algorithm>
#include <set>

#include "domain/text.h"
#include "domain/webhook_url.h"

namespace kl {

bool WebhookState::Wants(const std::string& type) const {
  return std::find_if(event_types.begin(), event_types.end(),
                      [&](const std::string& t) { return t == "*" || t == type; }) != event_types.end();
}

const std::string* WebhookIdOf(const EventData& data) {
  if (const auto* c = std::get_if<WebhookCreated>(&data)) return &c->webhook_id;
  if (const auto* d = std::get_if<WebhookDeleted>(&data)) return &d->webhook_id;
  if (const auto* d = std::get_if<WebhookDisabled>(&data)) return &d->webhook_id;
  if (const auto* e = std::get_if<WebhookEnabled>(&data)) return &e->webhook_id;
  return nullptr;
}

void EvolveWebhook(std::optional<WebhookState>& state, const Event& event) {
  if (const auto* c = std::get_if<WebhookCreated>(&event.data)) {
    state = WebhookState{c->webhook_id, event.org_id, c->url, c->event_types, c->description, c->secret_hash_hex,
                         "active", std::nullopt, event.recorded_at, event.recorded_at, event.seq};
    return;
  }
  if (!state) return;
  const std::string* id = WebhookIdOf(event.data);
  if (!id || *id != state->id) return;
  if (std::holds_alternative<WebhookDeleted>(event.data)) {
    state.reset();
  } else if (const auto* d = std::get_if<WebhookDisabled>(&event.data)) {
    state->status = "disabled";
    state->disabled_reason = d->reason;
    state->updated_at = event.recorded_at;
  } else if (std::holds_alternative<WebhookEnabled>(event.data)) {
    state->status = "active";
    state->disabled_reason.reset();
    state->updated_at = event.recorded_at;
  }
}

namespace {

void CheckEventTypes(const std::optional<std::vector<std::string>>& types, FieldErrors& errors) {
  if (!types) {
    if (!errors.count("event_types")) errors["event_types"] = "is required";
    return;
  }
  if (types->empty() || types->size() > 64) {
    errors["event_types"] = "must list 1..64 event types, or [\"*\"]";
    return;
  }
  const auto& known = AllEventTypeNames();
  std::set<std::string> seen;
  for (size_t i = 0; i < types->size(); ++i) {
    const std::string& t = (*types)[i];
    if (t == "*") {
      if (types->size() != 1) errors["event_types"] = "\"*\" must be the only entry";
    } else if (std::find(known.begin(), known.end(), t) == known.end()) {
      errors["event_types"] = "entry " + std::to_string(i) + " is not a known event type";
    } else if (!seen.insert(t).second) {
      errors["event_types"] = "lists " + t + " twice";
    }
    if (errors.count("event_types")) return;
  }
}

}  // namespace

Result<std::vector<Event>> DecideCreateWebhook(const OrgState& org, size_t existing, const CreateWebhookInput& in,
                                               FieldErrors errors, bool allow_insecure, const std::string& id,
                                               const std::string& secret_hash_hex, const CommandContext& ctx) {
  if (!in.url) {
    if (!errors.count("url")) errors["url"] = "is required";
  } else if (std::string why = CheckWebhookUrl(*in.url, allow_insecure); !why.empty()) {
    errors["url"] = why;
  }
  CheckEventTypes(in.event_types, errors);
  if (in.description && (Utf8Length(*in.description) > 500)) errors["description"] = "must be at most 500 characters";
  if (!errors.empty()) return Status::Validation(std::move(errors));
  if (existing >= kMaxWebhooksPerOrg)
    return Status(Code::kConflict, "an organization may have at most " + std::to_string(kMaxWebhooksPerOrg) +
                                       " webhooks; delete one first");
  WebhookCreated c{id, *in.url, *in.event_types, in.description, secret_hash_hex};
  return std::vector<Event>{NewEvent(ctx, org.id, std::nullopt, org.version + 1, std::move(c))};
}

Result<std::vector<Event>> DecideSetWebhookStatus(const OrgState& org, const WebhookState& webhook,
                                                  const std::optional<std::string>& status, FieldErrors errors,
                                                  const std::string& reason, const CommandContext& ctx) {
  if (!status) {
    if (!errors.count("status")) errors["status"] = "is required";
  } else if (*status != "active" && *status != "disabled") {
    errors["status"] = "must be active or disabled";
  }
  if (!errors.empty()) return Status::Validation(std::move(errors));
  if (*status == webhook.status) return std::vector<Event>{};
  EventData data = *status == "active" ? EventData{WebhookEnabled{webhook.id}}
                                       : EventData{WebhookDisabled{webhook.id, reason}};
  return std::vector<Event>{NewEvent(ctx, org.id, std::nullopt, org.version + 1, std::move(data))};
}

Result<std::vector<Event>> DecideDeleteWebhook(const OrgState& org, const WebhookState& webhook,
                                               const CommandContext& ctx) {
  return std::vector<Event>{NewEvent(ctx, org.id, std::nullopt, org.version + 1, WebhookDeleted{webhook.id})};
}

}  // namespace kl
