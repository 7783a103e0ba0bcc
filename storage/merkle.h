// The Merkle tree over the log (docs/audit.md, "Transparency log"): RFC 9162's hashing, a compact
// range for appending, and inclusion and consistency proofs with their verification. Pure
// functions: where node hashes are stored is the caller's (a NodeSource).
//
// The leaf for the event with seq s is leaf index s - 1; its hash is
// SHA-256(0x00 || C), C the canonical bytes the hash chains cover (events/chain.h); an inner
// node is SHA-256(0x01 || left || right). The tree of size n holds seq 1..n.
#pragma once
#include <cstdint>
#include <functional>
#include <string_view>
#include <vector>

#include "domain/event.h"
#include "domain/status.h"

namespace kl::storage::merkle {

Hash32 LeafHash(std::string_view leaf_bytes);
Hash32 NodeHash(const Hash32& left, const Hash32& right);
// The root of the empty tree: SHA-256 of nothing.
Hash32 EmptyRoot();

// The perfect subtree at `level` whose leaves are [index << level, (index + 1) << level).
// Level 0 is a leaf.
struct NodeId {
  uint8_t level = 0;
  uint64_t index = 0;
  bool operator==(const NodeId&) const = default;
};

// The perfect subtrees a tree of `size` leaves splits into, largest (leftmost) first: one per
// set bit of size.
std::vector<NodeId> CompactRangeNodes(uint64_t size);

// The roots of CompactRangeNodes(size): enough to append and to compute the root, O(log n).
struct CompactRange {
  uint64_t size = 0;
  std::vector<Hash32> hashes;  // one per CompactRangeNodes(size)

  // Appends one leaf. `completed(node, hash)` is called for every perfect subtree the leaf
  // completes, the leaf itself first, so a store can keep every node for proofs.
  void Append(const Hash32& leaf_hash, const std::function<void(NodeId, const Hash32&)>& completed);
  Hash32 Root() const;
};

// The hash of a stored perfect subtree; an error when the store cannot answer.
using NodeSource = std::function<Result<Hash32>(NodeId)>;

// MTH(D[begin:end]) (RFC 9162 §2.1.1) for a range that starts at a multiple of the largest power
// of two below its length, as every range a proof names does: O(log n) reads.
Result<Hash32> RangeHash(uint64_t begin, uint64_t end, const NodeSource& nodes);
// RFC 9162 §2.1.3.1: the audit path of leaf `index` in the tree of `size` leaves (index < size).
Result<std::vector<Hash32>> InclusionProof(uint64_t index, uint64_t size, const NodeSource& nodes);
// RFC 9162 §2.1.4.1: the proof that the tree of `to` leaves extends the one of `from`
// (1 <= from <= to; empty when they are equal).
Result<std::vector<Hash32>> ConsistencyProof(uint64_t from, uint64_t to, const NodeSource& nodes);

// RFC 9162 §2.1.3.2.
bool VerifyInclusion(uint64_t index, uint64_t size, const Hash32& leaf_hash, const std::vector<Hash32>& proof,
                     const Hash32& root);
// RFC 9162 §2.1.4.2; from == to holds with an empty proof and equal roots.
bool VerifyConsistency(uint64_t from, uint64_t to, const std::vector<Hash32>& proof, const Hash32& from_root,
                       const Hash32& to_root);

}  // namespace kl::storage::merkle
