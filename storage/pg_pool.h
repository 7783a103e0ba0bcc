// Connections for reads that may run on many threads at once (the feed, webhook workers,
// exports, catch-up): a connection is taken for one query and given back, and a broken one
// is dropped instead of returned. Connections are made on demand; at most `max_idle` are kept.
#pragma once
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "storage/pg_conn.h"

namespace kl::storage {

class PgPool {
 public:
  PgPool(std::string conninfo, std::chrono::milliseconds connect_timeout, size_t max_idle);

  // Runs `queries` on a pooled connection (one pipeline).
  Result<PgRun> Run(const std::vector<PgQuery>& queries, PgDeadline deadline) const;

 private:
  std::string conninfo_;
  std::chrono::milliseconds connect_timeout_;
  size_t max_idle_;
  mutable std::mutex mu_;
  mutable std::vector<std::unique_ptr<PgConnection>> idle_;
};

}  // namespace kl::storage
