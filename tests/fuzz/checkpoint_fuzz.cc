// Fuzzes the transparency log's readers of untrusted text (docs/audit.md, "Transparency log"):
// an auditor's `keyledger verify-proof` and POST /v1/ledger/checkpoint/cosignatures parse
// checkpoint notes and verifier keys from elsewhere, and check proofs from elsewhere. Properties:
//
// - ParseCheckpointNote and ParseVerifierKey answer every input: no crash, no uncaught exception,
//   no UB; a refusal is kValidation naming a field;
// - an accepted note is a fixed point: its body and signature lines, written out again, parse to
//   the same checkpoint and signatures;
// - proofs: byte 0 picks a tree size (1..256) and two leaves/sizes; the genuine inclusion and
//   consistency proofs verify, and the same proofs with the one bit the next bytes name flipped
//   do not; the raw bytes read as a proof (any length) never crash the verifiers.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "exports/checkpoint_note.h"
#include "storage/merkle.h"

namespace merkle = kl::storage::merkle;
using kl::Hash32;

namespace {

[[noreturn]] void Fail(const char* what) {
  std::fprintf(stderr, "checkpoint_fuzz: %s\n", what);
  std::abort();
}

void CheckNote(std::string_view text) {
  auto note = kl::exports::ParseCheckpointNote(text);
  if (!note.ok()) {
    if (note.status().code() != kl::Code::kValidation || note.status().fields().empty())
      Fail("a refused note is not a validation error naming a field");
    return;
  }
  std::string again = note->body + "\n";
  for (const auto& s : note->signatures) again += kl::exports::SignatureLine(s);
  auto reparsed = kl::exports::ParseCheckpointNote(again);
  if (!reparsed.ok()) Fail("an accepted note, written out again, is refused");
  if (reparsed->body != note->body || reparsed->checkpoint.size != note->checkpoint.size ||
      reparsed->checkpoint.root != note->checkpoint.root || reparsed->signatures.size() != note->signatures.size())
    Fail("an accepted note, written out again, reads differently");
  for (size_t i = 0; i < note->signatures.size(); ++i)
    if (reparsed->signatures[i].name != note->signatures[i].name ||
        reparsed->signatures[i].id != note->signatures[i].id ||
        reparsed->signatures[i].signature != note->signatures[i].signature)
      Fail("a signature line, written out again, reads differently");
}

struct Tree {
  std::map<std::pair<int, uint64_t>, Hash32> nodes;
  merkle::CompactRange range;
  std::vector<Hash32> roots{merkle::EmptyRoot()};  // roots[n]: the root of size n
  explicit Tree(uint64_t size) {
    for (uint64_t i = 0; i < size; ++i) {
      range.Append(merkle::LeafHash(std::to_string(i)),
                   [&](merkle::NodeId id, const Hash32& h) { nodes[{id.level, id.index}] = h; });
      roots.push_back(range.Root());
    }
  }
  merkle::NodeSource Source() const {
    return [this](merkle::NodeId id) -> kl::Result<Hash32> { return nodes.at({id.level, id.index}); };
  }
};

void Flip(std::vector<Hash32>& proof, uint32_t bit) {
  proof[(bit / 256) % proof.size()][(bit % 256) / 8] ^= static_cast<uint8_t>(1u << (bit % 8));
}

void CheckProofs(const uint8_t* data, size_t size) {
  if (size < 4) return;
  static const Tree tree(256);
  uint64_t n = 1 + data[0];
  uint64_t leaf = data[1] % n, from = 1 + data[2] % n;
  uint32_t bit = data[3] | (size > 4 ? uint32_t{data[4]} << 8 : 0);
  // The tree of size n is the prefix of the 256-leaf tree: its nodes are the same.
  auto inclusion = merkle::InclusionProof(leaf, n, tree.Source());
  if (!inclusion.ok()) Fail("no inclusion proof");
  Hash32 leaf_hash = merkle::LeafHash(std::to_string(leaf));
  if (!merkle::VerifyInclusion(leaf, n, leaf_hash, *inclusion, tree.roots[n])) Fail("a genuine inclusion proof fails");
  if (!inclusion->empty()) {
    Flip(*inclusion, bit);
    if (merkle::VerifyInclusion(leaf, n, leaf_hash, *inclusion, tree.roots[n])) Fail("a flipped bit verifies");
  }
  auto consistency = merkle::ConsistencyProof(from, n, tree.Source());
  if (!consistency.ok()) Fail("no consistency proof");
  if (!merkle::VerifyConsistency(from, n, *consistency, tree.roots[from], tree.roots[n]))
    Fail("a genuine consistency proof fails");
  if (!consistency->empty()) {
    Flip(*consistency, bit);
    if (merkle::VerifyConsistency(from, n, *consistency, tree.roots[from], tree.roots[n]))
      Fail("a flipped bit verifies");
  }
  // Whatever follows, read as proof hashes, against any sizes: an answer, never a crash.
  std::vector<Hash32> raw((size - 4) / 32);
  for (size_t i = 0; i < raw.size(); ++i) std::copy(data + 4 + 32 * i, data + 4 + 32 * (i + 1), raw[i].begin());
  uint64_t big = (uint64_t{data[1]} << 56) | (uint64_t{data[2]} << 8) | data[0];
  (void)merkle::VerifyInclusion(big % (n + 3), big, leaf_hash, raw, tree.roots[n]);
  (void)merkle::VerifyConsistency(from, big, raw, tree.roots[from], tree.roots[n]);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  CheckNote(text);
  auto key = kl::exports::ParseVerifierKey(text);
  if (key.ok() && kl::exports::FormatVerifierKey(*key).size() == 0) Fail("an accepted key formats to nothing");
  CheckProofs(data, size);
  return 0;
}
