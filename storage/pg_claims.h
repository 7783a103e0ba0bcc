// SharedClaims in PostgreSQL: table keyledger_claims, one row per claimed name with its holder's
// token and its expiry on the database's clock. Claiming is one INSERT ... ON CONFLICT DO UPDATE
// that takes the row only if it has expired, so two nodes claiming at once get one winner.
#pragma once
#include <chrono>
#include <string>

#include "storage/pg_pool.h"
#include "storage/shared_claims.h"

namespace kl::storage {

class PgClaims final : public SharedClaims {
 public:
  PgClaims(std::string conninfo, std::chrono::milliseconds op_timeout);
  Result<std::optional<std::string>> Claim(const std::string& name, std::chrono::milliseconds ttl) override;
  Status Release(const std::string& name, const std::string& token) override;

 private:
  std::chrono::milliseconds op_timeout_;
  PgPool pool_;
};

}  // namespace kl::storage
