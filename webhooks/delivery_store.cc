#include "webhooks/delivery_store.h"

#include <algorithm>

#include <nlohmann/json.hpp>
#include <spdlog/spdlog.h>

namespace kl::webhooks {

using nlohmann::json;

namespace {
std::string RowKey(const std::string& webhook_id) { return "webhook:" + webhook_id; }
}  // namespace

DeliveryStore::DeliveryStore(storage::Database* db, storage::SharedCursors* shared)
    : db_(db), cf_(db->cf(storage::kCursorsCf)), shared_(shared) {}

std::optional<DeliveryState> DeliveryStore::LoadToResume(const std::string& webhook_id) const {
  std::optional<DeliveryState> local = Load(webhook_id);
  if (!shared_) return local;
  auto shared = shared_->Get(RowKey(webhook_id));
  if (!shared.ok()) {
    // Resuming from this node's own cursor repeats deliveries, never skips one.
    spdlog::warn("webhook {}: the cluster's delivery cursor cannot be read, resuming from this node's: {}",
                 webhook_id, shared.status().message());
    return local;
  }
  if (*shared == 0) return local;
  DeliveryState s = local.value_or(DeliveryState{});
  s.cursor = std::max(s.cursor, *shared);
  return s;
}

std::optional<DeliveryState> DeliveryStore::Load(const std::string& webhook_id) const {
  std::string value;
  if (!db_->db()->Get(rocksdb::ReadOptions(), cf_, RowKey(webhook_id), &value).ok()) return std::nullopt;
  try {
    json j = json::parse(value);
    DeliveryState s;
    s.cursor = j.at("cursor").get<uint64_t>();
    if (j.contains("last_delivery_at")) s.last_delivery_at = j["last_delivery_at"].get<Millis>();
    if (j.contains("last_error")) s.last_error = j["last_error"].get<std::string>();
    if (j.contains("failing_since")) s.failing_since = j["failing_since"].get<Millis>();
    return s;
  } catch (const json::exception&) {
    return std::nullopt;  // unreadable: the caller starts from the webhook's creation (repeats, never skips)
  }
}

Status DeliveryStore::Save(const std::string& webhook_id, const DeliveryState& s) {
  json j = {{"cursor", s.cursor}};
  if (s.last_delivery_at) j["last_delivery_at"] = *s.last_delivery_at;
  if (s.last_error) j["last_error"] = *s.last_error;
  if (s.failing_since) j["failing_since"] = *s.failing_since;
  Status saved = storage::FromRocks(db_->db()->Put(rocksdb::WriteOptions(), cf_, RowKey(webhook_id), j.dump()),
                                    "save webhook cursor");
  if (shared_) {
    {
      std::lock_guard lock(mu_);
      auto& at = shared_at_[webhook_id];
      if (s.cursor <= at) return saved;  // a failure noted, or nothing delivered since: no round trip
      at = s.cursor;
    }
    // Not stored there: a node that takes over repeats those deliveries (at least once).
    if (Status shared = shared_->Advance(RowKey(webhook_id), s.cursor); !shared.ok()) {
      std::lock_guard lock(mu_);
      shared_at_.erase(webhook_id);
      spdlog::warn("webhook {}: the cluster's delivery cursor was not advanced: {}", webhook_id, shared.message());
    }
  }
  return saved;
}

Status DeliveryStore::Erase(const std::string& webhook_id) {
  {
    std::lock_guard lock(mu_);
    shared_at_.erase(webhook_id);
  }
  return storage::FromRocks(db_->db()->Delete(rocksdb::WriteOptions(), cf_, RowKey(webhook_id)), "erase webhook cursor");
}

}  // namespace kl::webhooks
