// `keyledger verify-proof` (docs/audit.md, "Transparency log"): checks a checkpoint's signature,
// and an inclusion or a consistency proof against checkpoints, offline.
#pragma once
#include <string>

namespace kl::app {

struct VerifyProofOptions {
  std::string public_key;      // PEM file of the ledger's key
  std::string checkpoint;      // the (newer) checkpoint note
  std::string old_checkpoint;  // with --consistency: the older checkpoint
  std::string inclusion;       // an inclusion proof (JSON), with `event`
  std::string event;           // the event (JSON as GET /v1/events renders it)
  std::string consistency;     // a consistency proof (JSON), with `old_checkpoint`
};

// 0 when everything given verifies, 1 otherwise (the reason on stderr).
int RunVerifyProof(const VerifyProofOptions& options);

}  // namespace kl::app
