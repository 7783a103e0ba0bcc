// The tables keyledger keeps in PostgreSQL, created and migrated by keyledger itself
// (docs/cluster.md, "Schema"). Migrations are numbered and applied in order, each in its own
// transaction together with its row in keyledger_schema; nodes that start at once take turns
// under one advisory lock, so each migration runs exactly once. A database whose schema is
// newer than this build knows is refused: an older binary must not write to it.
#pragma once
#include "domain/status.h"
#include "storage/pg_conn.h"

namespace kl::storage {

// The schema version this build creates and understands.
int PgSchemaVersionKnown();

// Brings the database's schema up to PgSchemaVersionKnown() and returns the version found before
// (0: an empty database). kPreconditionFailed when the database's schema is newer than that;
// kUnavailable when PostgreSQL cannot be reached in time.
Result<int> MigratePgSchema(PgConnection& conn, PgDeadline deadline);

}  // namespace kl::storage
