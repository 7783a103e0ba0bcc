// The webhooks read model: one row per live webhook in p_webhooks, keyed org '\0' webhook id,
// folded from the org-stream webhook events by the Projector like every other projection.
#pragma once
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include <rocksdb/utilities/write_batch_with_index.h>

#include "domain/webhook.h"
#include "storage/database.h"

namespace kl::projections {

inline constexpr const char* kWebhooksCf = "p_webhooks";

std::string WebhookRowKey(const std::string& org_id, const std::string& webhook_id);
std::string EncodeWebhook(const WebhookState& w);
std::optional<WebhookState> DecodeWebhook(const std::string& bytes);

// Folds `e` (a webhook event; others are ignored) into its row, reading through `batch`.
Status FoldWebhook(storage::Database& db, rocksdb::ColumnFamilyHandle* cf, const Event& e,
                   rocksdb::WriteBatchWithIndex& batch);

// Replay's in-memory variant: folds into `rows`, written out once at the end with WriteWebhooks.
void FoldWebhookInMemory(std::unordered_map<std::string, std::optional<WebhookState>>& rows, const Event& e);
void WriteWebhooks(const std::unordered_map<std::string, std::optional<WebhookState>>& rows,
                   rocksdb::ColumnFamilyHandle* cf, rocksdb::WriteBatch& batch);

class WebhookReads {
 public:
  explicit WebhookReads(storage::Database* db);
  std::optional<WebhookState> Get(const std::string& org_id, const std::string& webhook_id) const;
  // An org's webhooks, oldest first (ids are ULIDs).
  std::vector<WebhookState> List(const std::string& org_id) const;
  // Every webhook of every org (for the delivery supervisor).
  std::vector<WebhookState> All() const;

 private:
  storage::Database* db_;
  rocksdb::ColumnFamilyHandle* cf_;
};

}  // namespace kl::projections
