#include "exports/transparency.h"

#include <set>

namespace kl::exports {

std::string DefaultOrigin(const Signer& signer) { return "keyledger/" + signer.PublicKeyId(); }

Transparency::Transparency(storage::EventLog& log, std::shared_ptr<Signer> signer, std::string origin,
                           WitnessPolicy policy, storage::CosignatureStore* cosignatures)
    : log_(log),
      signer_(std::move(signer)),
      origin_(std::move(origin)),
      policy_(std::move(policy)),
      cosignatures_(cosignatures) {}

Result<Hash32> Transparency::RootAt(uint64_t size) const {
  storage::TreeHead head = log_.Tree();
  if (size > head.size)
    return Status(Code::kNotFound, "the log holds " + std::to_string(head.size) + " events, fewer than " +
                                       std::to_string(size));
  if (size == head.size) return head.root;
  if (size == 0) return storage::merkle::EmptyRoot();
  return storage::merkle::RangeHash(0, size, [this](storage::merkle::NodeId id) { return log_.TreeNode(id); });
}

Result<ServedCheckpoint> Transparency::CheckpointAt(uint64_t size) const {
  Result<Hash32> root = RootAt(size);
  if (!root.ok()) return root.status();
  ServedCheckpoint out;
  out.size = size;
  out.note = SignCheckpoint(Checkpoint{origin_, size, *root}, *signer_, origin_);
  size_t cosigned = 0;
  if (cosignatures_) {
    auto lines = cosignatures_->ForSize(size);
    if (!lines.ok()) return lines.status();
    for (const VerifierKey& w : policy_.witnesses)
      if (auto it = lines->find(w.name); it != lines->end()) {
        out.note += it->second;
        ++cosigned;
      }
  }
  out.final = cosigned >= policy_.required;
  return out;
}

Result<ServedCheckpoint> Transparency::LatestFinal() const {
  uint64_t latest = LatestSize();
  if (policy_.required == 0) return CheckpointAt(latest);
  if (!cosignatures_) return Status(Code::kNotFound, "no checkpoint has the cosignatures it needs yet");
  std::set<std::string> names;
  for (const VerifierKey& w : policy_.witnesses) names.insert(w.name);
  auto best = cosignatures_->LatestCosignedBy(names, policy_.required, latest);
  if (!best.ok()) return best.status();
  if (!*best) return Status(Code::kNotFound, "no checkpoint has the cosignatures it needs yet");
  return CheckpointAt(**best);
}

Result<std::vector<Hash32>> Transparency::Inclusion(uint64_t leaf_index, uint64_t size) const {
  if (size > LatestSize()) return Status(Code::kNotFound, "the tree is not that large yet");
  return storage::merkle::InclusionProof(leaf_index, size,
                                         [this](storage::merkle::NodeId id) { return log_.TreeNode(id); });
}

Result<std::vector<Hash32>> Transparency::Consistency(uint64_t from, uint64_t to) const {
  if (to > LatestSize()) return Status(Code::kNotFound, "the tree is not that large yet");
  return storage::merkle::ConsistencyProof(from, to,
                                           [this](storage::merkle::NodeId id) { return log_.TreeNode(id); });
}

Result<size_t> Transparency::AddCosignatures(std::string_view text) {
  auto note = ParseCheckpointNote(text);
  if (!note.ok()) return note.status();
  if (!cosignatures_ || policy_.witnesses.empty())
    return Status::Validation({{"checkpoint", "this ledger has no witness keys configured"}});
  if (note->checkpoint.origin != origin_)
    return Status::Validation({{"checkpoint", "the checkpoint's origin is not this log's (" + origin_ + ")"}});
  Result<Hash32> root = RootAt(note->checkpoint.size);
  if (!root.ok()) return Status::Validation({{"checkpoint", root.status().message()}});
  if (note->body != CheckpointBody(Checkpoint{origin_, note->checkpoint.size, *root}))
    return Status::Validation({{"checkpoint", "the checkpoint is not this log's checkpoint of its size"}});
  size_t kept = 0;
  for (const VerifierKey& w : policy_.witnesses) {
    if (!VerifyCosignature(*note, w)) continue;
    for (const NoteSignature& s : note->signatures)
      if (s.name == w.name && s.id == w.id) {
        if (Status st = cosignatures_->Put(note->checkpoint.size, w.name, SignatureLine(s)); !st.ok()) return st;
        break;
      }
    ++kept;
  }
  if (kept == 0) return Status::Validation({{"checkpoint", "no cosignature of a configured witness verifies"}});
  return kept;
}

}  // namespace kl::exports
