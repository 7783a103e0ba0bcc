#include "storage/merkle.h"

#include <bit>

#include <string>

#include "domain/crypto.h"

namespace kl::storage::merkle {

namespace {
// The largest power of two strictly below n (n >= 2): RFC 9162's k.
uint64_t SplitPoint(uint64_t n) { return uint64_t{1} << (63 - std::countl_zero(n - 1)); }

using Proof = std::vector<Hash32>;

Status PathInto(uint64_t m, uint64_t begin, uint64_t end, const NodeSource& nodes, Proof& out) {
  if (end - begin == 1) return Status();
  uint64_t k = SplitPoint(end - begin);
  bool left = m < k;
  Status inner = left ? PathInto(m, begin, begin + k, nodes, out) : PathInto(m - k, begin + k, end, nodes, out);
  if (!inner.ok()) return inner;
  Result<Hash32> sibling = left ? RangeHash(begin + k, end, nodes) : RangeHash(begin, begin + k, nodes);
  if (!sibling.ok()) return sibling.status();
  out.push_back(*sibling);
  return Status();
}

// RFC 9162's SUBPROOF(m, D[begin:end], b).
Status SubproofInto(uint64_t m, uint64_t begin, uint64_t end, bool b, const NodeSource& nodes, Proof& out) {
  uint64_t n = end - begin;
  if (m == n) {
    if (b) return Status();
    Result<Hash32> h = RangeHash(begin, end, nodes);
    if (!h.ok()) return h.status();
    out.push_back(*h);
    return Status();
  }
  uint64_t k = SplitPoint(n);
  bool left = m <= k;
  Status inner = left ? SubproofInto(m, begin, begin + k, b, nodes, out)
                      : SubproofInto(m - k, begin + k, end, false, nodes, out);
  if (!inner.ok()) return inner;
  Result<Hash32> other = left ? RangeHash(begin + k, end, nodes) : RangeHash(begin, begin + k, nodes);
  if (!other.ok()) return other.status();
  out.push_back(*other);
  return Status();
}
}  // namespace

Hash32 LeafHash(std::string_view leaf_bytes) {
  std::string prefixed;
  prefixed.reserve(leaf_bytes.size() + 1);
  prefixed.push_back('\0');
  prefixed.append(leaf_bytes);
  return Sha256(prefixed);
}

Hash32 NodeHash(const Hash32& left, const Hash32& right) {
  char buf[65];
  buf[0] = 0x01;
  std::copy(left.begin(), left.end(), buf + 1);
  std::copy(right.begin(), right.end(), buf + 33);
  return Sha256(std::string_view(buf, sizeof buf));
}

Hash32 EmptyRoot() { return Sha256(std::string_view()); }

std::vector<NodeId> CompactRangeNodes(uint64_t size) {
  std::vector<NodeId> out;
  uint64_t begin = 0;
  for (int level = 63; level >= 0; --level) {
    uint64_t width = uint64_t{1} << level;
    if (!(size & width)) continue;
    out.push_back(NodeId{static_cast<uint8_t>(level), begin >> level});
    begin += width;
  }
  return out;
}

void CompactRange::Append(const Hash32& leaf_hash, const std::function<void(NodeId, const Hash32&)>& completed) {
  Hash32 h = leaf_hash;
  NodeId id{0, size};
  completed(id, h);
  // Every trailing set bit of size is a subtree of the new leaf's height, now merged with it.
  for (uint64_t s = size; s & 1; s >>= 1) {
    h = NodeHash(hashes.back(), h);
    hashes.pop_back();
    id = NodeId{static_cast<uint8_t>(id.level + 1), id.index >> 1};
    completed(id, h);
  }
  hashes.push_back(h);
  ++size;
}

Hash32 CompactRange::Root() const {
  if (hashes.empty()) return EmptyRoot();
  Hash32 h = hashes.back();
  for (size_t i = hashes.size() - 1; i-- > 0;) h = NodeHash(hashes[i], h);
  return h;
}

Result<Hash32> RangeHash(uint64_t begin, uint64_t end, const NodeSource& nodes) {
  uint64_t n = end - begin;
  if (end <= begin) return Status(Code::kInternal, "an empty Merkle range has no stored hash");
  if (std::has_single_bit(n)) {
    if (begin % n != 0) return Status(Code::kInternal, "a Merkle range is not aligned to its width");
    auto level = static_cast<uint8_t>(std::countr_zero(n));
    return nodes(NodeId{level, begin >> level});
  }
  uint64_t k = SplitPoint(n);
  Result<Hash32> left = RangeHash(begin, begin + k, nodes);
  if (!left.ok()) return left;
  Result<Hash32> right = RangeHash(begin + k, end, nodes);
  if (!right.ok()) return right;
  return NodeHash(*left, *right);
}

Result<std::vector<Hash32>> InclusionProof(uint64_t index, uint64_t size, const NodeSource& nodes) {
  if (index >= size) return Status(Code::kInternal, "a leaf outside the tree has no inclusion proof");
  Proof out;
  if (Status s = PathInto(index, 0, size, nodes, out); !s.ok()) return s;
  return out;
}

Result<std::vector<Hash32>> ConsistencyProof(uint64_t from, uint64_t to, const NodeSource& nodes) {
  if (from == 0 || from > to) return Status(Code::kInternal, "a consistency proof needs 1 <= from <= to");
  Proof out;
  if (from == to) return out;
  if (Status s = SubproofInto(from, 0, to, true, nodes, out); !s.ok()) return s;
  return out;
}

bool VerifyInclusion(uint64_t index, uint64_t size, const Hash32& leaf_hash, const std::vector<Hash32>& proof,
                     const Hash32& root) {
  if (index >= size) return false;
  uint64_t fn = index, sn = size - 1;
  Hash32 r = leaf_hash;
  for (const Hash32& p : proof) {
    if (sn == 0) return false;
    if ((fn & 1) || fn == sn) {
      r = NodeHash(p, r);
      if (!(fn & 1))
        while (fn != 0 && !(fn & 1)) {
          fn >>= 1;
          sn >>= 1;
        }
    } else {
      r = NodeHash(r, p);
    }
    fn >>= 1;
    sn >>= 1;
  }
  return sn == 0 && r == root;
}

bool VerifyConsistency(uint64_t from, uint64_t to, const std::vector<Hash32>& proof, const Hash32& from_root,
                       const Hash32& to_root) {
  if (from == 0 || from > to) return false;
  if (from == to) return proof.empty() && from_root == to_root;
  std::vector<Hash32> path;
  path.reserve(proof.size() + 1);
  if (std::has_single_bit(from)) path.push_back(from_root);
  path.insert(path.end(), proof.begin(), proof.end());
  if (path.empty()) return false;
  uint64_t fn = from - 1, sn = to - 1;
  while (fn & 1) {
    fn >>= 1;
    sn >>= 1;
  }
  Hash32 fr = path[0], sr = path[0];
  for (size_t i = 1; i < path.size(); ++i) {
    const Hash32& c = path[i];
    if (sn == 0) return false;
    if ((fn & 1) || fn == sn) {
      fr = NodeHash(c, fr);
      sr = NodeHash(c, sr);
      if (!(fn & 1))
        while (fn != 0 && !(fn & 1)) {
          fn >>= 1;
          sn >>= 1;
        }
    } else {
      sr = NodeHash(sr, c);
    }
    fn >>= 1;
    sn >>= 1;
  }
  return fr == from_root && sr == to_root && sn == 0;
}

}  // namespace kl::storage::merkle
