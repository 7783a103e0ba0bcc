// The rows of a cluster log (the keyledger_events table, docs/cluster.md "Schema") as stored,
// for the offline tools that check or move a log: verify reads them back column by column and
// compares each column with the event's own encoding in `body`.
#pragma once
#include <memory>
#include <string>
#include <vector>

#include "domain/event.h"
#include "storage/pg_conn.h"

namespace kl::app {

struct PgLogRow {
  uint64_t seq = 0;
  std::string stream;
  uint64_t stream_version = 0;
  std::string org_id;
  Millis recorded_at = 0;
  std::string hash, org_hash;  // 32 bytes each
  std::string body;            // the event's Cap'n Proto encoding (events/codec.h)
};

// Connects for an offline tool. With `must_exist` (a tool that only reads), fails unless the
// database holds keyledger's tables already, and changes nothing: no tables made in a wrong
// database, no migration. Otherwise creates or migrates the schema as a node does. Either way a
// schema newer than this build knows is refused.
Result<std::unique_ptr<storage::PgConnection>> ConnectToClusterLog(const std::string& uri, bool must_exist);

// Rows with seq > after_seq, in seq order, at most `limit`, replacing *out.
Status ReadPgLogRows(storage::PgConnection& conn, uint64_t after_seq, size_t limit, std::vector<PgLogRow>* out);

// How far an offline tool waits for one round trip.
storage::PgDeadline ToolDeadline();

}  // namespace kl::app
