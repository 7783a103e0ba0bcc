#include "app/pg_log_rows.h"

#include "storage/database.h"
#include "storage/pg_schema.h"

namespace kl::app {

namespace {
uint64_t BinaryInt8(std::string_view v) { return storage::DecodeBE64(rocksdb::Slice(v.data(), v.size())); }
}  // namespace

storage::PgDeadline ToolDeadline() { return std::chrono::steady_clock::now() + std::chrono::seconds(120); }

Result<std::unique_ptr<storage::PgConnection>> ConnectToClusterLog(const std::string& uri, bool must_exist) {
  auto conn = storage::PgConnection::Connect(uri, std::chrono::steady_clock::now() + std::chrono::seconds(10));
  if (!conn.ok()) return conn.status();
  if (must_exist) {
    storage::PgRun run = (*conn)->Run(
        "SELECT to_regclass('keyledger_events') IS NOT NULL AND to_regclass('keyledger_head') IS NOT NULL",
        ToolDeadline());
    if (!run.ok()) return Status(Code::kUnavailable, "PostgreSQL: " + run.error);
    if (run.results[0].Value(0, 0) != "t")
      return Status(Code::kNotFound, "this database holds no keyledger log (no keyledger_events table)");
    // A reader changes nothing: no migration, but no schema newer than this build knows either.
    run = (*conn)->Run("SELECT coalesce(max(version), 0) FROM keyledger_schema", ToolDeadline());
    if (!run.ok()) return Status(Code::kUnavailable, "PostgreSQL: reading the schema version: " + run.error);
    if (run.results[0].Int(0, 0) > storage::PgSchemaVersionKnown())
      return Status(Code::kPreconditionFailed, "the database holds keyledger schema version " +
                                                   std::to_string(run.results[0].Int(0, 0)) +
                                                   ", newer than this build knows: use a keyledger at least as new");
    return conn;
  }
  auto migrated = storage::MigratePgSchema(**conn, ToolDeadline());  // refuses a schema newer than known
  if (!migrated.ok()) return migrated.status();
  return conn;
}

Status ReadPgLogRows(storage::PgConnection& conn, uint64_t after_seq, size_t limit, std::vector<PgLogRow>* out) {
  out->clear();
  storage::PgRun run = conn.Run(
      {storage::PgQuery{"SELECT seq, stream, stream_version, org_id, recorded_at, hash, org_hash, body "
                        "FROM keyledger_events WHERE seq > $1 ORDER BY seq LIMIT $2",
                        {storage::PgParam::Int(static_cast<int64_t>(after_seq)),
                         storage::PgParam::Int(static_cast<int64_t>(limit))},
                        /*binary_result=*/true}},
      ToolDeadline());
  if (!run.ok()) return Status(Code::kUnavailable, "PostgreSQL: reading the log: " + run.error);
  const storage::PgResult& r = run.results[0];
  out->reserve(r.rows());
  for (int i = 0; i < r.rows(); ++i) {
    PgLogRow row;
    row.seq = BinaryInt8(r.Value(i, 0));
    row.stream = r.Value(i, 1);
    row.stream_version = BinaryInt8(r.Value(i, 2));
    row.org_id = r.Value(i, 3);
    row.recorded_at = static_cast<Millis>(BinaryInt8(r.Value(i, 4)));
    row.hash = r.Value(i, 5);
    row.org_hash = r.Value(i, 6);
    row.body = r.Value(i, 7);
    out->push_back(std::move(row));
  }
  return Status::Ok();
}

}  // namespace kl::app
