// Claims on names shared by every node of a cluster, for work that must run on one node at a
// time however many nodes receive it at once (an idempotent create, docs/cluster.md,
// "Idempotency across nodes"). A claim expires, so a node that died holding one does not block
// its name for ever. An embedded node has none (its own in-process guard is enough); a cluster
// keeps them in PostgreSQL (storage/pg_claims.h).
#pragma once
#include <chrono>
#include <optional>
#include <string>

#include "domain/status.h"

namespace kl::storage {

class SharedClaims {
 public:
  virtual ~SharedClaims() = default;
  // Claims `name` for `ttl`: its token when this caller now holds it, nullopt while someone else
  // holds it (and it has not expired). kUnavailable when the claims cannot be reached.
  virtual Result<std::optional<std::string>> Claim(const std::string& name, std::chrono::milliseconds ttl) = 0;
  // Gives the claim back, if `token` still holds it.
  virtual Status Release(const std::string& name, const std::string& token) = 0;
};

}  // namespace kl::storage
