#include "storage/pg_pool.h"

#include <algorithm>

namespace kl::storage {

PgPool::PgPool(std::string conninfo, std::chrono::milliseconds connect_timeout, size_t max_idle)
    : conninfo_(std::move(conninfo)), connect_timeout_(connect_timeout), max_idle_(max_idle) {}

Result<PgRun> PgPool::Run(const std::vector<PgQuery>& queries, PgDeadline deadline) const {
  std::unique_ptr<PgConnection> conn;
  {
    std::lock_guard lock(mu_);
    if (!idle_.empty()) {
      conn = std::move(idle_.back());
      idle_.pop_back();
    }
  }
  if (!conn) {
    auto made =
        PgConnection::Connect(conninfo_, std::min(deadline, std::chrono::steady_clock::now() + connect_timeout_));
    if (!made.ok()) return made.status();
    conn = std::move(*made);
  }
  PgRun run = conn->Run(queries, deadline);
  if (!run.lost && !run.sqlstate.empty()) {
    // A failed statement of an explicit transaction would leave it aborted; reads use none, but
    // a connection is only given back clean.
    (void)conn->Run("ROLLBACK", deadline);
  }
  if (conn->usable()) {
    std::lock_guard lock(mu_);
    if (idle_.size() < max_idle_) idle_.push_back(std::move(conn));
  }
  return run;
}

}  // namespace kl::storage
