// SharedCounters in PostgreSQL: table keyledger_counters, one row per counter (a key's credits;
// a key's rate limit for one window size) holding its current epoch and what was spent in it.
// A spend is one statement, an INSERT ... ON CONFLICT DO UPDATE ... WHERE spent + cost <= limit,
// so the row lock serializes spends from every node and a limit is never passed
// (docs/cluster.md, "Credits and rate limits across nodes").
#pragma once
#include <chrono>
#include <string>

#include "storage/pg_pool.h"
#include "storage/shared_counters.h"

namespace kl::storage {

class PgCounters final : public SharedCounters {
 public:
  // `op_timeout` bounds each spend (connecting included): past it the spend is kUnavailable.
  PgCounters(std::string conninfo, std::chrono::milliseconds op_timeout);
  Result<CounterOutcome> Spend(const CounterSpend& spend) override;

 private:
  std::chrono::milliseconds op_timeout_;
  PgPool pool_;  // validations spend from several threads at once
};

}  // namespace kl::storage
