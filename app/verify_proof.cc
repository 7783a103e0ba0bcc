#include "app/verify_proof.h"

#include <cstdio>
#include <fstream>
#include <sstream>

#include <nlohmann/json.hpp>

#include "domain/crypto.h"
#include "events/canonical_json.h"
#include "exports/checkpoint_note.h"
#include "storage/merkle.h"

namespace kl::app {

namespace {
namespace merkle = storage::merkle;
using nlohmann::json;

Result<std::string> ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Status(Code::kNotFound, "cannot read " + path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// The checkpoint in `path`, its signature by the ledger key (named by its origin) verified.
Result<exports::Checkpoint> ReadSignedCheckpoint(const std::string& path, const exports::Ed25519Key& key) {
  auto text = ReadFile(path);
  if (!text.ok()) return text.status();
  auto note = exports::ParseCheckpointNote(*text);
  if (!note.ok()) return Status(Code::kValidation, path + ": " + note.status().fields().begin()->second);
  exports::VerifierKey ledger{note->checkpoint.origin, exports::kNoteEd25519, key, {}};
  ledger.id = exports::MakeNoteKeyId(ledger.name, ledger.algorithm, ledger.key);
  if (!exports::VerifyNoteSignature(*note, ledger))
    return Status(Code::kValidation, path + ": no signature of the ledger key over this checkpoint verifies");
  return note->checkpoint;
}

Result<json> ReadJson(const std::string& path) {
  auto text = ReadFile(path);
  if (!text.ok()) return text.status();
  json j = json::parse(*text, nullptr, false);
  if (j.is_discarded() || !j.is_object()) return Status(Code::kValidation, path + " is not a JSON object");
  return j;
}

Result<std::vector<Hash32>> ProofHashes(const json& proof) {
  std::vector<Hash32> out;
  if (!proof.contains("hashes") || !proof["hashes"].is_array()) return Status(Code::kValidation, "no hashes");
  for (const json& h : proof["hashes"]) {
    auto parsed = h.is_string() ? HashFromHex(h.get<std::string>()) : std::nullopt;
    if (!parsed) return Status(Code::kValidation, "a proof hash is not 64 hex characters");
    out.push_back(*parsed);
  }
  return out;
}

uint64_t Uint(const json& j, const char* name) {
  return j.contains(name) && j[name].is_number_unsigned() ? j[name].get<uint64_t>() : UINT64_MAX;
}

Status CheckInclusion(const VerifyProofOptions& o, const exports::Checkpoint& cp) {
  auto proof = ReadJson(o.inclusion);
  if (!proof.ok()) return proof.status();
  auto event = ReadJson(o.event);
  if (!event.ok()) return event.status();
  auto hashes = ProofHashes(*proof);
  if (!hashes.ok()) return hashes.status();
  uint64_t seq = Uint(*event, "seq");
  if (Uint(*proof, "tree_size") != cp.size) return Status(Code::kValidation, "the proof's tree_size is not the checkpoint's");
  if (seq == UINT64_MAX || Uint(*proof, "leaf_index") != seq - 1)
    return Status(Code::kValidation, "the proof's leaf_index is not the event's seq - 1");
  json unsealed = *event;
  for (const char* f : {"prev_hash", "hash", "org_prev_hash", "org_hash"}) unsealed.erase(f);
  Hash32 leaf = merkle::LeafHash(events::Canonicalize(unsealed));
  if (!merkle::VerifyInclusion(seq - 1, cp.size, leaf, *hashes, cp.root))
    return Status(Code::kValidation, "the inclusion proof does not verify");
  std::printf("verify-proof: event seq %llu is in the checkpoint of %llu events\n",
              static_cast<unsigned long long>(seq), static_cast<unsigned long long>(cp.size));
  return Status();
}

Status CheckConsistency(const VerifyProofOptions& o, const exports::Checkpoint& cp, const exports::Ed25519Key& key) {
  auto old_cp = ReadSignedCheckpoint(o.old_checkpoint, key);
  if (!old_cp.ok()) return old_cp.status();
  if (old_cp->origin != cp.origin) return Status(Code::kValidation, "the two checkpoints are of different logs");
  auto proof = ReadJson(o.consistency);
  if (!proof.ok()) return proof.status();
  auto hashes = ProofHashes(*proof);
  if (!hashes.ok()) return hashes.status();
  if (Uint(*proof, "from") != old_cp->size || Uint(*proof, "to") != cp.size)
    return Status(Code::kValidation, "the proof's from/to are not the checkpoints' sizes");
  if (!merkle::VerifyConsistency(old_cp->size, cp.size, *hashes, old_cp->root, cp.root))
    return Status(Code::kValidation, "the consistency proof does not verify");
  std::printf("verify-proof: the checkpoint of %llu events extends the one of %llu\n",
              static_cast<unsigned long long>(cp.size), static_cast<unsigned long long>(old_cp->size));
  return Status();
}

Status Run(const VerifyProofOptions& o) {
  auto pem = ReadFile(o.public_key);
  if (!pem.ok()) return pem.status();
  auto key = exports::RawEd25519Key(*pem);
  if (!key) return Status(Code::kValidation, o.public_key + " is not an Ed25519 public key in PEM");
  auto cp = ReadSignedCheckpoint(o.checkpoint, *key);
  if (!cp.ok()) return cp.status();
  std::printf("verify-proof: checkpoint of %llu events, root %s, signed by the ledger key\n",
              static_cast<unsigned long long>(cp->size), ToHex(cp->root).c_str());
  if (o.inclusion.empty() != o.event.empty())
    return Status(Code::kValidation, "--inclusion and --event go together");
  if (o.consistency.empty() != o.old_checkpoint.empty())
    return Status(Code::kValidation, "--consistency and --old-checkpoint go together");
  if (!o.inclusion.empty())
    if (Status s = CheckInclusion(o, *cp); !s.ok()) return s;
  if (!o.consistency.empty())
    if (Status s = CheckConsistency(o, *cp, *key); !s.ok()) return s;
  return Status();
}
}  // namespace

int RunVerifyProof(const VerifyProofOptions& options) {
  Status s = Run(options);
  if (s.ok()) return 0;
  std::fprintf(stderr, "verify-proof: FAILED: %s\n", s.message().c_str());
  return 1;
}

}  // namespace kl::app
