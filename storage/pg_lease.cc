#include "storage/pg_lease.h"

namespace kl::storage {

namespace {
// Free, expired or already this holder's: take it. The token stays while the same holder keeps
// (or takes back) the lease, and moves up when it changes hands. No row back: another holder has
// an unexpired lease.
constexpr const char* kAcquireSql = R"(
  INSERT INTO keyledger_leases AS l (name, holder, token, expires_at)
  VALUES ($1, $2, 1, clock_timestamp() + $3::float8 * interval '1 millisecond')
  ON CONFLICT (name) DO UPDATE
    SET token = CASE WHEN l.holder = excluded.holder THEN l.token ELSE l.token + 1 END,
        holder = excluded.holder,
        expires_at = excluded.expires_at
    WHERE l.holder = excluded.holder OR l.expires_at <= clock_timestamp()
  RETURNING token)";
constexpr const char* kReleaseSql =
    "UPDATE keyledger_leases SET expires_at = clock_timestamp() WHERE name = $1 AND holder = $2";
}  // namespace

bool PgLease::EnsureConnected(PgDeadline deadline) {
  if (conn_ && conn_->usable()) return true;
  conn_.reset();
  auto made = PgConnection::Connect(options_.conninfo, deadline);
  if (!made.ok()) return false;
  conn_ = std::move(*made);
  return true;
}

Result<std::optional<LeaseGrant>> PgLease::AcquireOrRenew() {
  const auto sent = std::chrono::steady_clock::now();
  const PgDeadline deadline = sent + options_.op_timeout;
  if (!EnsureConnected(deadline)) return Status(Code::kUnavailable, "PostgreSQL cannot be reached for the lease");
  PgRun run = conn_->Run({PgQuery{kAcquireSql,
                                  {PgParam::Text(options_.name), PgParam::Text(options_.holder),
                                   PgParam::Int(options_.ttl.count())}}},
                         deadline);
  if (!run.ok()) {
    conn_.reset();  // a fresh connection next time (it may reach a new primary)
    return Status(Code::kUnavailable, "PostgreSQL: the lease " + options_.name + ": " + run.error);
  }
  if (run.results[0].rows() == 0) return std::optional<LeaseGrant>{};
  return std::optional<LeaseGrant>{
      LeaseGrant{static_cast<uint64_t>(run.results[0].Int(0, 0)), sent + options_.ttl}};
}

Status PgLease::Release() {
  const PgDeadline deadline = std::chrono::steady_clock::now() + options_.op_timeout;
  if (!EnsureConnected(deadline)) return Status(Code::kUnavailable, "PostgreSQL cannot be reached for the lease");
  PgRun run = conn_->Run(
      {PgQuery{kReleaseSql, {PgParam::Text(options_.name), PgParam::Text(options_.holder)}}}, deadline);
  if (!run.ok()) return Status(Code::kUnavailable, "PostgreSQL: releasing the lease " + options_.name + ": " + run.error);
  return Status::Ok();
}

}  // namespace kl::storage
