// The transparency log a node serves (docs/audit.md, "Transparency log"): signed checkpoints of
// the log's Merkle tree, inclusion and consistency proofs, and witness cosignatures. The HTTP
// routes and the offline tools go through it.
#pragma once
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "domain/signer.h"
#include "domain/status.h"
#include "exports/checkpoint_note.h"
#include "storage/cosignature_store.h"
#include "storage/event_log.h"

namespace kl::exports {

struct WitnessPolicy {
  std::vector<VerifierKey> witnesses;  // cosignature/v1 keys whose cosignatures are kept
  // How many of them must cosign a checkpoint before it is served as final (0: every checkpoint
  // is final when signed).
  size_t required = 0;
};

// The origin line of a ledger's checkpoints, when none is configured: one per signing key, so
// every node of a cluster (one key) names the same log.
std::string DefaultOrigin(const Signer& signer);

struct ServedCheckpoint {
  std::string note;  // the signed note with the cosignatures kept for its size
  uint64_t size = 0;
  bool final = true;
};

class Transparency {
 public:
  // `cosignatures` may be null (no witnesses can be recorded).
  Transparency(storage::EventLog& log, std::shared_ptr<Signer> signer, std::string origin, WitnessPolicy policy,
               storage::CosignatureStore* cosignatures);

  // False when the log keeps no tree (callers answer 501).
  bool Available() const { return log_.HasTree(); }
  const std::string& Origin() const { return origin_; }
  uint64_t LatestSize() const { return log_.Tree().size; }

  // The checkpoint of the tree of `size` leaves (<= the latest; kNotFound beyond).
  Result<ServedCheckpoint> CheckpointAt(uint64_t size) const;
  // The latest final checkpoint: the latest, or with required witnesses the latest they cosigned
  // (kNotFound when there is none yet).
  Result<ServedCheckpoint> LatestFinal() const;
  Result<Hash32> RootAt(uint64_t size) const;
  Result<std::vector<Hash32>> Inclusion(uint64_t leaf_index, uint64_t size) const;
  Result<std::vector<Hash32>> Consistency(uint64_t from, uint64_t to) const;
  // Keeps every cosignature of a configured witness on `note` that verifies: the note's body must
  // be this log's checkpoint of its size. Answers how many were kept (kValidation when none).
  Result<size_t> AddCosignatures(std::string_view note);

 private:
  storage::EventLog& log_;
  std::shared_ptr<Signer> signer_;
  std::string origin_;
  WitnessPolicy policy_;
  storage::CosignatureStore* cosignatures_;
};

}  // namespace kl::exports
