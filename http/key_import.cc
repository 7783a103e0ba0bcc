#include "http/key_import.h"

#include <set>

#include "domain/crypto.h"
#include "domain/time.h"
#include "http/auth.h"
#include "http/command_runner.h"

namespace kl::http {

namespace {

// The decision over the whole batch, re-run on every attempt of the command.
Result<std::vector<Event>> DecideBatch(Services& s, const std::string& org_id, const std::vector<KeyImportItem>& items,
                                       const std::vector<bool>& busy, const std::optional<std::string>& migration_id,
                                       const CommandContext& cc, KeyImportResult& result) {
  result = KeyImportResult{};
  auto org = s.reads->GetOrg(org_id);
  if (!org) return Status(Code::kNotFound, "organization not found");
  if (org->status != "active")
    return Status(Code::kTenantInactive, "the organization is not active").WithDetail("status", org->status);
  std::vector<Event> events;
  std::set<Hash32> in_batch;
  for (size_t i = 0; i < items.size(); ++i) {
    const KeyImportItem& item = items[i];
    if (busy[i]) {
      result.failed.push_back({item.hash_text, Status(Code::kConflict, "an import of this hash is in progress")});
      continue;
    }
    ImportKeyInput in{item.input, item.hash.value_or(Hash32{}), migration_id};
    bool taken = item.hash && (!in_batch.insert(*item.hash).second || s.reads->FindKeyByHash(*item.hash) != nullptr);
    auto imported = DecideImportKey(org, org_id, in, item.type_errors, taken, cc);
    if (!imported.ok()) {
      result.failed.push_back({item.hash_text, imported.status()});
      continue;
    }
    result.imported.push_back({item.hash_text, imported->key_id});
    events.push_back(std::move(imported->event));
  }
  return events;
}

}  // namespace

void ImportKeys(Services& s, std::shared_ptr<RequestContext> ctx, const std::string& org_id,
                std::vector<KeyImportItem> items, std::optional<std::string> migration_id, KeyImportDone done) {
  // Two batches importing one hash at once would both find it free: the second waits its turn
  // by failing that key (a retry then finds it imported).
  auto entered = std::make_shared<std::vector<std::string>>();
  std::vector<bool> busy(items.size(), false);
  for (size_t i = 0; i < items.size(); ++i) {
    if (!items[i].hash) continue;
    std::string name = "import:" + ToHex(*items[i].hash);
    if (s.idempotency_in_flight.TryEnter(name)) entered->push_back(std::move(name));
    else busy[i] = true;
  }
  CommandContext cc{NowMillis(), ActorOf(ctx->principal), ctx->request_id};
  auto result = std::make_shared<KeyImportResult>();
  RunCommand(
      *s.log,
      [&s, org_id, items = std::move(items), busy, migration_id = std::move(migration_id), cc,
       result]() -> Result<std::vector<Event>> {
        return DecideBatch(s, org_id, items, busy, migration_id, cc, *result);
      },
      [&s, entered, result, done = std::move(done)](Result<std::vector<Event>> r) {
        for (const auto& name : *entered) s.idempotency_in_flight.Leave(name);
        if (!r.ok()) return done(r.status());
        done(std::move(*result));
      });
}

}  // namespace kl::http
