// `keyledger cluster import --from DATA_DIR --log URI` (docs/cluster.md, "Moving from embedded to
// cluster"): copies an embedded log into an empty cluster log as it is. Every row carries the
// event's stored bytes, seq and hashes unchanged (nothing is re-sealed), so both chains and the
// head are the same before and after. The whole import is one transaction that holds the head
// lock every append takes: it appears at once or not at all, and a log that is not empty under
// that lock is refused.
#include <cstdio>
#include <filesystem>

#include <nlohmann/json.hpp>

#include "app/chain_check.h"
#include "app/ledger_tools.h"
#include "app/pg_log_rows.h"
#include "domain/crypto.h"
#include "events/codec.h"
#include "projections/projector.h"
#include "storage/database.h"

namespace kl::app {

namespace {
using storage::PgParam;
using storage::PgQuery;

constexpr size_t kRowsPerInsert = 1000;    // 8 parameters each: well under PostgreSQL's 65535
constexpr size_t kInsertsPerRoundTrip = 8;  // pipelined

std::string AsBytes(const Hash32& h) { return std::string(reinterpret_cast<const char*>(h.data()), h.size()); }

PgQuery InsertRows(std::vector<PgParam> params) {
  std::string sql = "INSERT INTO keyledger_events (seq, stream, stream_version, org_id, recorded_at, hash, "
                    "org_hash, body) VALUES ";
  for (size_t i = 0; i < params.size() / 8; ++i) {
    sql += i ? ",(" : "(";
    for (size_t k = 1; k <= 8; ++k) sql += "$" + std::to_string(i * 8 + k) + (k < 8 ? "," : ")");
  }
  return PgQuery{sql, std::move(params)};
}

int Fail(const std::string& why) {
  std::fprintf(stderr, "cluster import: %s\n", why.c_str());
  return 1;
}

// Sends `queries` in one round trip; the error, or empty.
std::string Send(storage::PgConnection& conn, std::vector<PgQuery>& queries) {
  storage::PgRun run = conn.Run(queries, ToolDeadline());
  queries.clear();
  return run.ok() ? "" : "PostgreSQL: " + run.error;
}

// Under the head lock: empty is head seq 0 and no event rows.
std::string CheckEmpty(storage::PgConnection& conn) {
  storage::PgRun run = conn.Run({PgQuery{"BEGIN"}, PgQuery{"SELECT seq FROM keyledger_head WHERE id = 1 FOR UPDATE"},
                                 PgQuery{"SELECT count(*) FROM (SELECT 1 FROM keyledger_events LIMIT 1) AS e"}},
                                ToolDeadline());
  if (!run.ok()) return "PostgreSQL: " + run.error;
  int64_t head = run.results[1].Int(0, 0), rows = run.results[2].Int(0, 0);
  if (head != 0 || rows != 0)
    return "refusing to import: the cluster log is not empty (head seq " + std::to_string(head) +
           "); import needs an empty log, made by no node yet";
  return "";
}

// The embedded log's events, chain-checked, as pipelined multi-row INSERTs. The error, or empty.
std::string CopyEvents(storage::Database& db, storage::PgConnection& conn, ChainCheck& chain, Millis* last_at) {
  std::unique_ptr<rocksdb::Iterator> it(db.db()->NewIterator(rocksdb::ReadOptions(), db.cf(storage::kLogCf)));
  std::vector<PgParam> params;
  std::vector<PgQuery> pipeline;
  for (it->SeekToFirst(); it->Valid(); it->Next()) {
    uint64_t seq = storage::DecodeBE64(it->key());
    std::string_view body(it->value().data(), it->value().size());
    auto ev = events::Decode(body);
    if (!ev.ok()) return "the embedded log's event " + std::to_string(seq) + " does not decode";
    if (auto why = chain.Add(it->key().size() == 8 ? seq : 0, *ev))
      return "the embedded log is broken at seq " + std::to_string(chain.count() + 1) + ": " + *why +
             " (keyledger verify --data-dir says more); nothing was imported";
    *last_at = ev->recorded_at;
    for (PgParam p : {PgParam::Int(static_cast<int64_t>(ev->seq)), PgParam::Text(ev->Stream()),
                      PgParam::Int(static_cast<int64_t>(ev->stream_version)), PgParam::Text(ev->org_id),
                      PgParam::Int(ev->recorded_at), PgParam::Bytes(AsBytes(ev->hash)),
                      PgParam::Bytes(AsBytes(ev->org_hash)), PgParam::Bytes(std::string(body))})
      params.push_back(std::move(p));
    if (params.size() == kRowsPerInsert * 8) pipeline.push_back(InsertRows(std::move(params))), params.clear();
    if (pipeline.size() == kInsertsPerRoundTrip)
      if (std::string err = Send(conn, pipeline); !err.empty()) return err;
  }
  if (!it->status().ok()) return "reading the embedded log: " + it->status().ToString();
  if (!params.empty()) pipeline.push_back(InsertRows(std::move(params)));
  return pipeline.empty() ? "" : Send(conn, pipeline);
}

// The org heads, the head, the webhooks' delivery cursors, the wake-up for nodes, COMMIT.
std::vector<PgQuery> Finish(storage::Database& db, const ChainCheck& chain, Millis last_at) {
  std::vector<std::string> orgs, seqs, hashes;
  for (const auto& [org, at] : chain.org_heads()) {
    orgs.push_back(org);
    seqs.push_back(std::to_string(at.first));
    hashes.push_back(ToHex(at.second));
  }
  std::vector<PgQuery> q;
  q.push_back(PgQuery{"INSERT INTO keyledger_org_heads (org_id, seq, hash) "
                      "SELECT o, s, decode(h, 'hex') FROM unnest($1::text[], $2::bigint[], $3::text[]) AS t(o, s, h)",
                      {PgParam::Text(storage::PgTextArray(orgs)), PgParam::Text(storage::PgTextArray(seqs)),
                       PgParam::Text(storage::PgTextArray(hashes))}});
  q.push_back(PgQuery{"UPDATE keyledger_head SET seq = $1, hash = $2, recorded_at = $3 WHERE id = 1",
                      {PgParam::Int(static_cast<int64_t>(chain.count())), PgParam::Bytes(AsBytes(chain.head())),
                       PgParam::Int(last_at)}});
  // Where each webhook's deliveries stand (webhooks/delivery_store.h keeps them under "webhook:<id>"),
  // so the node that takes the dispatcher resumes there instead of delivering everything again.
  std::unique_ptr<rocksdb::Iterator> it(db.db()->NewIterator(rocksdb::ReadOptions(), db.cf(storage::kCursorsCf)));
  for (it->Seek("webhook:"); it->Valid() && it->key().starts_with("webhook:"); it->Next()) {
    auto j = nlohmann::json::parse(it->value().ToString(), nullptr, false);
    if (!j.is_object() || !j.contains("cursor") || !j["cursor"].is_number_unsigned()) continue;
    q.push_back(PgQuery{"INSERT INTO keyledger_cursors (name, position) VALUES ($1, $2) "
                        "ON CONFLICT (name) DO UPDATE SET position = GREATEST(keyledger_cursors.position, excluded.position)",
                        {PgParam::Text(it->key().ToString()), PgParam::Int(j["cursor"].get<int64_t>())}});
  }
  q.push_back(PgQuery{"SELECT pg_notify('keyledger_log', $1)", {PgParam::Text(std::to_string(chain.count()))}});
  q.push_back(PgQuery{"COMMIT"});
  return q;
}
}  // namespace

int RunClusterImport(const std::string& data_dir, const std::string& log_uri) {
  std::string path = data_dir + "/db";
  if (!std::filesystem::exists(path + "/CURRENT")) return Fail("no keyledger database in " + data_dir);
  // Opening takes RocksDB's lock: a server still running on the directory makes this fail.
  auto db = storage::Database::Open(path, projections::ColumnFamilies());
  if (!db.ok()) return Fail(db.status().message() + " (stop the embedded server first)");
  auto conn = ConnectToClusterLog(log_uri, /*must_exist=*/false);
  if (!conn.ok()) return Fail(conn.status().message());
  storage::PgConnection& c = **conn;
  if (std::string err = CheckEmpty(c); !err.empty()) {
    (void)c.Run("ROLLBACK", ToolDeadline());
    return Fail(err);
  }
  ChainCheck chain;
  Millis last_at = 0;
  std::string err = CopyEvents(**db, c, chain, &last_at);
  if (err.empty()) {
    storage::PgRun run = c.Run(Finish(**db, chain, last_at), ToolDeadline());
    if (!run.ok()) err = "PostgreSQL: " + run.error;
    else if (run.results.back().CommandStatus() != "COMMIT") err = "PostgreSQL did not commit the import";
  }
  if (!err.empty()) {
    (void)c.Run("ROLLBACK", ToolDeadline());
    return Fail(err + "; nothing was imported");
  }
  std::printf("cluster import: OK: %llu events, head %s (seq %llu)\n", static_cast<unsigned long long>(chain.count()),
              ToHex(chain.head()).c_str(), static_cast<unsigned long long>(chain.count()));
  std::string key = data_dir + "/signing.pem";
  if (std::filesystem::exists(key))
    std::printf("Start every node with --signing-key %s (or a copy of it, kept as secret as now): heads, exports "
                "and webhook secrets then stay under the same key.\n",
                key.c_str());
  else
    std::printf("%s has no signing.pem: make one key (openssl genpkey -algorithm ed25519 -out FILE) and start "
                "every node with --signing-key FILE.\n",
                data_dir.c_str());
  return (*db)->Close().ok() ? 0 : 1;
}

}  // namespace kl::app
