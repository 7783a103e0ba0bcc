// SharedCursors in PostgreSQL: table keyledger_cursors, one row per name, moved only forward
// (GREATEST), so a late write from a node that lost its lease never moves a position back.
#pragma once
#include <chrono>
#include <memory>
#include <mutex>

#include "storage/pg_conn.h"
#include "storage/shared_cursors.h"

namespace kl::storage {

class PgCursors final : public SharedCursors {
 public:
  PgCursors(std::string conninfo, std::chrono::milliseconds op_timeout)
      : conninfo_(std::move(conninfo)), op_timeout_(op_timeout) {}
  Result<uint64_t> Get(const std::string& name) override;
  Status Advance(const std::string& name, uint64_t position) override;

 private:
  // One connection, one round trip at a time (callers are a few delivery threads).
  PgRun Run(const PgQuery& query);
  std::string conninfo_;
  std::chrono::milliseconds op_timeout_;
  std::mutex mu_;
  std::unique_ptr<PgConnection> conn_;
};

}  // namespace kl::storage
