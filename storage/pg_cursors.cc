#include "storage/pg_cursors.h"

namespace kl::storage {

PgRun PgCursors::Run(const PgQuery& query) {
  std::lock_guard lock(mu_);
  const PgDeadline deadline = std::chrono::steady_clock::now() + op_timeout_;
  if (!conn_ || !conn_->usable()) {
    conn_.reset();
    auto made = PgConnection::Connect(conninfo_, deadline);
    if (!made.ok()) {
      PgRun failed;
      failed.lost = true;
      failed.error = made.status().message();
      return failed;
    }
    conn_ = std::move(*made);
  }
  PgRun run = conn_->Run({query}, deadline);
  if (!run.ok()) conn_.reset();  // a fresh connection next time (it may reach a new primary)
  return run;
}

Result<uint64_t> PgCursors::Get(const std::string& name) {
  PgRun run = Run(PgQuery{"SELECT position FROM keyledger_cursors WHERE name = $1", {PgParam::Text(name)}});
  if (!run.ok()) return Status(Code::kUnavailable, "PostgreSQL: reading cursor " + name + ": " + run.error);
  if (run.results[0].rows() == 0) return uint64_t{0};
  return static_cast<uint64_t>(run.results[0].Int(0, 0));
}

Status PgCursors::Advance(const std::string& name, uint64_t position) {
  PgRun run = Run(PgQuery{"INSERT INTO keyledger_cursors AS c (name, position) VALUES ($1, $2) "
                          "ON CONFLICT (name) DO UPDATE SET position = GREATEST(c.position, excluded.position)",
                          {PgParam::Text(name), PgParam::Int(static_cast<int64_t>(position))}});
  if (!run.ok()) return Status(Code::kUnavailable, "PostgreSQL: storing cursor " + name + ": " + run.error);
  return Status::Ok();
}

}  // namespace kl::storage
