#include "storage/pg_schema.h"

#include <spdlog/spdlog.h>

namespace kl::storage {

namespace {

struct Migration {
  int version;
  const char* description;
  std::vector<const char*> statements;
};

// Append only: a released migration never changes (databases have run it). The tables are
// described in docs/cluster.md.
const std::vector<Migration>& Migrations() {
  static const std::vector<Migration> all = {
      {1,
       "the event log, its head and the org chain heads",
       {
           // One row per event, in the global order. body is the event's Cap'n Proto encoding
           // (events/codec.h), the record itself; the other columns index it.
           R"(CREATE TABLE keyledger_events (
                seq            bigint PRIMARY KEY,
                stream         text   NOT NULL,
                stream_version bigint NOT NULL,
                org_id         text   NOT NULL,
                recorded_at    bigint NOT NULL,
                hash           bytea  NOT NULL,
                org_hash       bytea  NOT NULL,
                body           bytea  NOT NULL,
                CONSTRAINT keyledger_events_stream_version UNIQUE (stream, stream_version)))",
           // The single row every append locks first (SELECT ... FOR UPDATE): appends take turns,
           // so seq order is commit order.
           R"(CREATE TABLE keyledger_head (
                id          smallint PRIMARY KEY CHECK (id = 1),
                seq         bigint NOT NULL,
                hash        bytea  NOT NULL,
                recorded_at bigint NOT NULL))",
           R"(INSERT INTO keyledger_head VALUES (1, 0, decode(repeat('00', 32), 'hex'), 0))",
           R"(CREATE TABLE keyledger_org_heads (
                org_id text   PRIMARY KEY,
                seq    bigint NOT NULL,
                hash   bytea  NOT NULL))",
       }},
      {2,
       "leases and shared cursors for cluster-wide background work",
       {
           // One row per lease (storage/pg_lease.h): who holds it until when, and its fencing
           // token, which moves up each time the lease changes hands. Appends that carry a token
           // (storage::AppendFence) commit only while it is the row's.
           R"(CREATE TABLE keyledger_leases (
                name       text        PRIMARY KEY,
                holder     text        NOT NULL,
                token      bigint      NOT NULL,
                expires_at timestamptz NOT NULL))",
           // Positions in the log that background work resumes from when its lease moves to
           // another node (storage/pg_cursors.h): a webhook's delivery cursor.
           R"(CREATE TABLE keyledger_cursors (
                name     text   PRIMARY KEY,
                position bigint NOT NULL))",
       }},
      {3,
       "counters shared by the nodes for credits and rate limits",
       {
           // One row per counter (storage/pg_counters.h): a key's credits ("credits:<key>", epoch:
           // the recorded_at of the event that last set them) or its rate limit for one window
           // size ("rate:<key>:<window ms>", epoch: the window's number on the database clock),
           // and what was spent in that epoch. A spend increments it only while it stays within
           // the limit.
           R"(CREATE TABLE keyledger_counters (
                name  text   PRIMARY KEY,
                epoch bigint NOT NULL,
                spent bigint NOT NULL))",
       }},
      {4,
       "claims on idempotency keys in flight",
       {
           // One row per claimed name (storage/pg_claims.h): the claim's token and its expiry on
           // the database's clock. An expired row may be claimed again.
           R"(CREATE TABLE keyledger_claims (
                name       text        PRIMARY KEY,
                token      text        NOT NULL,
                expires_at timestamptz NOT NULL))",
       }},
  };
  return all;
}

// pg_advisory_lock's key for migrations: "kl_schem" in ASCII.
constexpr const char* kLockSql = "SELECT pg_advisory_lock(7740391493003011437)";
constexpr const char* kUnlockSql = "SELECT pg_advisory_unlock(7740391493003011437)";

Status Failed(const PgRun& run, const std::string& what) {
  Code code = run.lost ? Code::kUnavailable : Code::kInternal;
  return Status(code, "PostgreSQL: " + what + ": " + run.error);
}

Status Apply(PgConnection& conn, const Migration& m, PgDeadline deadline) {
  std::vector<PgQuery> q{PgQuery{"BEGIN"}};
  for (const char* sql : m.statements) q.push_back(PgQuery{sql});
  q.push_back(PgQuery{"INSERT INTO keyledger_schema (version, description) VALUES ($1, $2)",
                      {PgParam::Int(m.version), PgParam::Text(m.description)}});
  q.push_back(PgQuery{"COMMIT"});
  PgRun run = conn.Run(q, deadline);
  if (run.ok()) return Status::Ok();
  if (!run.lost) (void)conn.Run("ROLLBACK", deadline);
  return Failed(run, "migration " + std::to_string(m.version) + " (" + m.description + ")");
}

}  // namespace

int PgSchemaVersionKnown() { return Migrations().back().version; }

Result<int> MigratePgSchema(PgConnection& conn, PgDeadline deadline) {
  // A session lock: released by the unlock below, or by PostgreSQL when this connection ends.
  if (PgRun run = conn.Run(kLockSql, deadline); !run.ok()) return Failed(run, "taking the migration lock");
  auto migrate = [&]() -> Result<int> {
    PgRun run = conn.Run(std::vector<PgQuery>{PgQuery{R"(CREATE TABLE IF NOT EXISTS keyledger_schema (
                         version     integer PRIMARY KEY,
                         description text NOT NULL,
                         applied_at  timestamptz NOT NULL DEFAULT now()))"},
                                              PgQuery{"SELECT coalesce(max(version), 0) FROM keyledger_schema"}},
                         deadline);
    if (!run.ok()) return Failed(run, "reading the schema version");
    int found = static_cast<int>(run.results[1].Int(0, 0));
    if (found > PgSchemaVersionKnown())
      return Status(Code::kPreconditionFailed, "the database holds keyledger schema version " + std::to_string(found) +
                                                   ", newer than this build knows (" +
                                                   std::to_string(PgSchemaVersionKnown()) +
                                                   "): run a keyledger at least as new as the one that migrated it");
    for (const Migration& m : Migrations()) {
      if (m.version <= found) continue;
      if (Status s = Apply(conn, m, deadline); !s.ok()) return s;
      spdlog::info("PostgreSQL schema migrated to version {}: {}", m.version, m.description);
    }
    return found;
  };
  Result<int> result = migrate();
  if (conn.usable()) (void)conn.Run(kUnlockSql, deadline);
  return result;
}

}  // namespace kl::storage
