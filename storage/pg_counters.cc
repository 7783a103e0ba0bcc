#include "storage/pg_counters.h"

#include <algorithm>

namespace kl::storage {

namespace {

// $1 rate counter name ('' for none), $2 its window (ms), $3 its limit; $4 credits counter name
// ('' for none), $5 the credit epoch, $6 the cost, $7 the credits' limit.
//
// A row's epoch only moves forward: a spend for a newer epoch (a new window, credits set again)
// starts the row over; a spend for an older one (a node that has not folded the new setting yet)
// is refused. The credits are spent only when the rate gate passed (docs/policy-gates.md: rate
// limit before credits). The clock is the database's, read once: every node shares it.
constexpr const char* kSpendSql = R"(
WITH t AS (SELECT floor(extract(epoch FROM clock_timestamp()) * 1000)::bigint AS ms),
r AS (
  INSERT INTO keyledger_counters AS c (name, epoch, spent)
  SELECT $1::text, t.ms / $2::bigint, 1 FROM t WHERE $1::text <> '' AND 1 <= $3::bigint
  ON CONFLICT (name) DO UPDATE
    SET spent = CASE WHEN c.epoch = excluded.epoch THEN c.spent + 1 ELSE 1 END, epoch = excluded.epoch
    WHERE c.epoch < excluded.epoch OR (c.epoch = excluded.epoch AND c.spent + 1 <= $3::bigint)
  RETURNING spent),
k AS (
  INSERT INTO keyledger_counters AS c (name, epoch, spent)
  SELECT $4::text, $5::bigint, $6::bigint
  WHERE $4::text <> '' AND $6::bigint <= $7::bigint AND ($1::text = '' OR EXISTS (SELECT 1 FROM r))
  ON CONFLICT (name) DO UPDATE
    SET spent = CASE WHEN c.epoch = excluded.epoch THEN c.spent + excluded.spent ELSE excluded.spent END,
        epoch = excluded.epoch
    WHERE c.epoch < excluded.epoch OR (c.epoch = excluded.epoch AND c.spent + excluded.spent <= $7::bigint)
  RETURNING spent)
SELECT (SELECT count(*) FROM r), (SELECT spent FROM r), (SELECT count(*) FROM k), (SELECT spent FROM k),
       (SELECT ms FROM t))";

}  // namespace

PgCounters::PgCounters(std::string conninfo, std::chrono::milliseconds op_timeout)
    : op_timeout_(op_timeout), pool_(std::move(conninfo), op_timeout, 8) {}

Result<CounterOutcome> PgCounters::Spend(const CounterSpend& spend) {
  const auto deadline = std::chrono::steady_clock::now() + op_timeout_;
  const CounterSpend::Rate rate = spend.rate.value_or(CounterSpend::Rate{0, 1});
  const CounterSpend::Credits credits = spend.credits.value_or(CounterSpend::Credits{});
  std::vector<PgQuery> q{PgQuery{
      kSpendSql,
      {PgParam::Text(spend.rate ? "rate:" + spend.key_id + ":" + std::to_string(rate.window_ms) : ""),
       PgParam::Int(std::max<int64_t>(1, rate.window_ms)), PgParam::Int(rate.limit),
       PgParam::Text(spend.credits ? "credits:" + spend.key_id : ""), PgParam::Int(credits.epoch),
       PgParam::Int(credits.cost), PgParam::Int(credits.limit)}}};
  auto run = pool_.Run(q, deadline);
  if (!run.ok()) return Status(Code::kUnavailable, "PostgreSQL: spending from counters: " + run.status().message());
  if (!run->ok()) {
    return Status(Code::kUnavailable, "PostgreSQL: spending from counters: " + run->error);
  }
  const PgResult& row = run->results[0];
  CounterOutcome out;
  if (spend.rate) {
    out.rate_ok = row.Int(0, 0) == 1;
    out.rate_used = out.rate_ok ? row.Int(0, 1) : rate.limit;
    const int64_t now_ms = row.Int(0, 4);
    out.rate_reset_at = (now_ms / rate.window_ms + 1) * rate.window_ms;
  }
  if (spend.credits) {
    out.credits_ok = row.Int(0, 2) == 1;
    out.credits_spent = out.credits_ok ? row.Int(0, 3) : credits.limit;
  }
  return out;
}

}  // namespace kl::storage
