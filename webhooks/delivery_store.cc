#include "webhooks/delivery_store.h"

#include <nlohmann/json.hpp>

namespace kl::webhooks {

using nlohmann::json;

namespace {
std::string RowKey(const std::string& webhook_id) { return "webhook:" + webhook_id; }
}  // namespace

DeliveryStore::DeliveryStore(storage::Database* db) : db_(db), cf_(db->cf(storage::kCursorsCf)) {}

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
  return storage::FromRocks(db_->db()->Put(rocksdb::WriteOptions(), cf_, RowKey(webhook_id), j.dump()),
                            "save webhook cursor");
}

Status DeliveryStore::Erase(const std::string& webhook_id) {
  return storage::FromRocks(db_->db()->Delete(rocksdb::WriteOptions(), cf_, RowKey(webhook_id)), "erase webhook cursor");
}

}  // namespace kl::webhooks
