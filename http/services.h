// What the routes work with: the log, the read model and the service's configuration.
#pragma once
#include <memory>
#include <string>

#include "domain/signer.h"
#include "exports/exporter.h"
#include "http/blocking_work.h"
#include "http/compat/widgets/widget_settings.h"
#include "http/in_flight.h"
#include "http/log_barrier.h"
#include "http/metrics.h"
#include "http/view_freshness.h"

#include "projections/read_model.h"
#include "projections/usage_tracker.h"
#include "projections/validation_index.h"
#include "storage/backup.h"
#include "storage/event_log.h"
#include "domain/webhook_secret.h"
#include "projections/webhook_projection.h"
#include "webhooks/delivery_store.h"

namespace kl::http {

struct Services {
  storage::EventLog* log = nullptr;
  projections::ReadModel* reads = nullptr;
  projections::UsageTracker* usage = nullptr;  // null: usage recording is off
  projections::ValidationIndex* index = nullptr;  // null: validations read through `reads`
  std::string admin_token_hash_hex;  // SHA-256 of the admin token; the token itself is not kept
  std::shared_ptr<Signer> signer;  // signs the ledger head and export manifests
  exports::Exporter* exporter = nullptr;
  InFlight idempotency_in_flight;
  Metrics* metrics = nullptr;  // set by the Server, which owns it
  storage::Backups* backups = nullptr;  // null: POST /v1/admin/backups answers 503
  BlockingWork* blocking = nullptr;  // disk-bound work off the reactor threads (null: inline)
  projections::WebhookReads* webhooks = nullptr;
  webhooks::DeliveryStore* deliveries = nullptr;
  const WebhookSecrets* webhook_secrets = nullptr;  // null: webhooks cannot be created (503)
  bool webhook_allow_insecure = false;
  bool ready = false;
  // A cluster node's: how old its view of the shared log is. Null on an embedded node, whose
  // projections are folded as part of every commit (always fresh).
  const ViewFreshness* freshness = nullptr;
  // A cluster node's: waits until its projections hold the log's head (an idempotent create
  // looks up its key on this node only after that). Empty on an embedded node.
  LogBarrier log_barrier;
  // The embedded widget's tokens, origins and limits (docs/widgets.md).
  widgets::WidgetSettings widgets;
};

}  // namespace kl::http
