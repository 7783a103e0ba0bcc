#include "storage/pg_claims.h"

#include "domain/crypto.h"

namespace kl::storage {

PgClaims::PgClaims(std::string conninfo, std::chrono::milliseconds op_timeout)
    : op_timeout_(op_timeout), pool_(std::move(conninfo), op_timeout, 4) {}

Result<std::optional<std::string>> PgClaims::Claim(const std::string& name, std::chrono::milliseconds ttl) {
  uint8_t random[16];
  RandomBytes(random, sizeof random);
  const std::string token = ToHex(random, sizeof random);  // this claim's own: a release frees only it
  auto run = pool_.Run({PgQuery{R"(INSERT INTO keyledger_claims AS c (name, token, expires_at)
                                   VALUES ($1, $2, clock_timestamp() + $3::bigint * interval '1 millisecond')
                                   ON CONFLICT (name) DO UPDATE SET token = excluded.token, expires_at = excluded.expires_at
                                   WHERE c.expires_at <= clock_timestamp()
                                   RETURNING token)",
                                {PgParam::Text(name), PgParam::Text(token), PgParam::Int(ttl.count())}}},
                       std::chrono::steady_clock::now() + op_timeout_);
  if (!run.ok()) return Status(Code::kUnavailable, "PostgreSQL: claiming " + name + ": " + run.status().message());
  if (!run->ok()) return Status(Code::kUnavailable, "PostgreSQL: claiming " + name + ": " + run->error);
  if (run->results[0].rows() == 0) return std::optional<std::string>();
  return std::optional<std::string>(token);
}

Status PgClaims::Release(const std::string& name, const std::string& token) {
  auto run = pool_.Run({PgQuery{"DELETE FROM keyledger_claims WHERE name = $1 AND token = $2",
                                {PgParam::Text(name), PgParam::Text(token)}}},
                       std::chrono::steady_clock::now() + op_timeout_);
  if (!run.ok()) return Status(Code::kUnavailable, "PostgreSQL: releasing " + name + ": " + run.status().message());
  if (!run->ok()) return Status(Code::kUnavailable, "PostgreSQL: releasing " + name + ": " + run->error);
  return Status::Ok();
}

}  // namespace kl::storage
