#include "projections/webhook_projection.h"

#include <memory>

#include <nlohmann/json.hpp>

namespace kl::projections {

using nlohmann::json;

std::string WebhookRowKey(const std::string& org_id, const std::string& webhook_id) {
  std::string k = org_id;
  k.push_back('\0');
  k += webhook_id;
  return k;
}

// JSON: the row is small, rarely written, and read off the hot path.
std::string EncodeWebhook(const WebhookState& w) {
  json j = {{"id", w.id},
            {"org_id", w.org_id},
            {"url", w.url},
            {"event_types", w.event_types},
            {"description", w.description ? json(*w.description) : json(nullptr)},
            {"secret_hash", w.secret_hash_hex},
            {"status", w.status},
            {"disabled_reason", w.disabled_reason ? json(*w.disabled_reason) : json(nullptr)},
            {"created_at", w.created_at},
            {"updated_at", w.updated_at},
            {"created_seq", w.created_seq}};
  return j.dump();
}

std::optional<WebhookState> DecodeWebhook(const std::string& bytes) {
  try {
    json j = json::parse(bytes);
    WebhookState w;
    w.id = j.at("id").get<std::string>();
    w.org_id = j.at("org_id").get<std::string>();
    w.url = j.at("url").get<std::string>();
    w.event_types = j.at("event_types").get<std::vector<std::string>>();
    if (!j.at("description").is_null()) w.description = j["description"].get<std::string>();
    w.secret_hash_hex = j.at("secret_hash").get<std::string>();
    w.status = j.at("status").get<std::string>();
    if (!j.at("disabled_reason").is_null()) w.disabled_reason = j["disabled_reason"].get<std::string>();
    w.created_at = j.at("created_at").get<Millis>();
    w.updated_at = j.at("updated_at").get<Millis>();
    w.created_seq = j.at("created_seq").get<uint64_t>();
    return w;
  } catch (const json::exception&) {
    return std::nullopt;
  }
}

Status FoldWebhook(storage::Database& db, rocksdb::ColumnFamilyHandle* cf, const Event& e,
                   rocksdb::WriteBatchWithIndex& batch) {
  const std::string* id = WebhookIdOf(e.data);
  if (!id) return Status::Ok();
  std::string row = WebhookRowKey(e.org_id, *id), value;
  std::optional<WebhookState> w;
  auto s = batch.GetFromBatchAndDB(db.db(), rocksdb::ReadOptions(), cf, row, &value);
  if (s.ok()) {
    w = DecodeWebhook(value);
    if (!w) return Status(Code::kInternal, "projected webhook " + *id + " does not decode");
  } else if (!s.IsNotFound()) {
    return storage::FromRocks(s, "read webhook projection");
  }
  EvolveWebhook(w, e);
  if (w) {
    batch.Put(cf, row, EncodeWebhook(*w));
  } else {
    batch.Delete(cf, row);
  }
  return Status::Ok();
}

void FoldWebhookInMemory(std::unordered_map<std::string, std::optional<WebhookState>>& rows, const Event& e) {
  if (const std::string* id = WebhookIdOf(e.data)) EvolveWebhook(rows[WebhookRowKey(e.org_id, *id)], e);
}

void WriteWebhooks(const std::unordered_map<std::string, std::optional<WebhookState>>& rows,
                   rocksdb::ColumnFamilyHandle* cf, rocksdb::WriteBatch& batch) {
  for (const auto& [row, w] : rows)
    if (w) batch.Put(cf, row, EncodeWebhook(*w));
}

WebhookReads::WebhookReads(storage::Database* db) : db_(db), cf_(db->cf(kWebhooksCf)) {}

std::optional<WebhookState> WebhookReads::Get(const std::string& org_id, const std::string& webhook_id) const {
  std::string value;
  if (!db_->db()->Get(rocksdb::ReadOptions(), cf_, WebhookRowKey(org_id, webhook_id), &value).ok()) return std::nullopt;
  return DecodeWebhook(value);
}

std::vector<WebhookState> WebhookReads::List(const std::string& org_id) const {
  std::vector<WebhookState> out;
  std::string prefix = org_id;
  prefix.push_back('\0');
  std::unique_ptr<rocksdb::Iterator> it(db_->db()->NewIterator(rocksdb::ReadOptions(), cf_));
  for (it->Seek(prefix); it->Valid() && it->key().starts_with(prefix); it->Next())
    if (auto w = DecodeWebhook(it->value().ToString())) out.push_back(std::move(*w));
  return out;
}

std::vector<WebhookState> WebhookReads::All() const {
  std::vector<WebhookState> out;
  std::unique_ptr<rocksdb::Iterator> it(db_->db()->NewIterator(rocksdb::ReadOptions(), cf_));
  for (it->SeekToFirst(); it->Valid(); it->Next())
    if (auto w = DecodeWebhook(it->value().ToString())) out.push_back(std::move(*w));
  return out;
}

}  // namespace kl::projections
