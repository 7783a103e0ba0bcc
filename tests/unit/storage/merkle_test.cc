#include "storage/merkle.h"

#include <map>
#include <random>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include "domain/crypto.h"

namespace merkle = kl::storage::merkle;
using kl::Hash32;
using Hashes = std::vector<Hash32>;

namespace {
// An independent reference: RFC 9162 §2.1's definitions over a list of leaf hashes, recursively,
// with no stored nodes and no compact range.
Hash32 Node(const Hash32& l, const Hash32& r) {
  std::string b(1, '\x01');
  b.append(reinterpret_cast<const char*>(l.data()), 32);
  b.append(reinterpret_cast<const char*>(r.data()), 32);
  return kl::Sha256(b);
}
uint64_t K(uint64_t n) {
  uint64_t k = 1;
  while (k * 2 < n) k *= 2;
  return k;
}
Hash32 Mth(const Hashes& d, size_t b, size_t e) {
  if (e - b == 1) return d[b];
  uint64_t k = K(e - b);
  return Node(Mth(d, b, b + k), Mth(d, b + k, e));
}
Hashes Path(uint64_t m, const Hashes& d, size_t b, size_t e) {
  if (e - b == 1) return {};
  uint64_t k = K(e - b);
  Hashes p = m < k ? Path(m, d, b, b + k) : Path(m - k, d, b + k, e);
  p.push_back(m < k ? Mth(d, b + k, e) : Mth(d, b, b + k));
  return p;
}
Hashes Subproof(uint64_t m, const Hashes& d, size_t b, size_t e, bool complete) {
  if (m == e - b) return complete ? Hashes{} : Hashes{Mth(d, b, e)};
  uint64_t k = K(e - b);
  Hashes p = m <= k ? Subproof(m, d, b, b + k, complete) : Subproof(m - k, d, b + k, e, false);
  p.push_back(m <= k ? Mth(d, b + k, e) : Mth(d, b, b + k));
  return p;
}

// The leaves and the stored nodes of a tree built by appending through a compact range.
struct Tree {
  Hashes leaves;
  merkle::CompactRange range;
  std::map<std::pair<int, uint64_t>, Hash32> nodes;
  void Add(const Hash32& leaf) {
    leaves.push_back(leaf);
    range.Append(leaf, [&](merkle::NodeId id, const Hash32& h) { nodes[{id.level, id.index}] = h; });
  }
  merkle::NodeSource Source() const {
    return [this](merkle::NodeId id) -> kl::Result<Hash32> {
      auto it = nodes.find({id.level, id.index});
      if (it == nodes.end()) return kl::Status(kl::Code::kInternal, "no such node");
      return it->second;
    };
  }
};
Tree RandomTree(size_t n, uint32_t seed) {
  std::mt19937 rng(seed);
  Tree t;
  for (size_t i = 0; i < n; ++i) t.Add(merkle::LeafHash(std::to_string(rng())));
  return t;
}
Hash32 Flip(Hash32 h, int bit) {
  h[bit / 8] ^= static_cast<uint8_t>(1u << (bit % 8));
  return h;
}
}  // namespace

TEST_CASE("hashing matches RFC 9162's test vectors", "[merkle]") {
  // The leaves of the RFC 6962 / RFC 9162 reference tests, and the roots of their prefixes.
  std::vector<std::string> inputs = {"",
                                     std::string(1, '\x00'),
                                     "\x10",
                                     "\x20\x21",
                                     "\x30\x31",
                                     "\x40\x41\x42\x43",
                                     "\x50\x51\x52\x53\x54\x55\x56\x57",
                                     "\x60\x61\x62\x63\x64\x65\x66\x67\x68\x69\x6a\x6b\x6c\x6d\x6e\x6f"};
  std::vector<std::string> roots = {
      "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
      "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
      "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
      "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
      "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
      "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
      "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
      "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328"};
  REQUIRE(kl::ToHex(merkle::EmptyRoot()) == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  Tree t;
  for (size_t i = 0; i < inputs.size(); ++i) {
    t.Add(merkle::LeafHash(inputs[i]));
    CHECK(kl::ToHex(t.range.Root()) == roots[i]);
  }
}

TEST_CASE("the compact range's root equals the reference tree's at every size up to 2000", "[merkle]") {
  Tree t = RandomTree(0, 1);
  std::mt19937 rng(7);
  for (size_t n = 1; n <= 2000; ++n) {
    t.Add(merkle::LeafHash(std::to_string(rng())));
    REQUIRE(t.range.Root() == Mth(t.leaves, 0, n));
    REQUIRE(t.range.hashes.size() == merkle::CompactRangeNodes(n).size());
  }
  // The compact range is exactly the stored roots of its perfect subtrees: a store can rebuild it.
  auto ids = merkle::CompactRangeNodes(2000);
  for (size_t i = 0; i < ids.size(); ++i) REQUIRE(t.nodes.at({ids[i].level, ids[i].index}) == t.range.hashes[i]);
}

TEST_CASE("inclusion proofs equal the reference audit paths and verify; one flipped bit fails", "[merkle]") {
  Tree t = RandomTree(2000, 3);
  std::mt19937 rng(11);
  std::vector<uint64_t> sizes = {1, 2, 3, 4, 5, 7, 8, 9, 127, 128, 129, 1023, 1024, 1025, 2000};
  for (int i = 0; i < 25; ++i) sizes.push_back(1 + rng() % 2000);
  for (uint64_t n : sizes) {
    Hash32 root = Mth(t.leaves, 0, n);
    std::vector<uint64_t> indexes = {0, n - 1, n / 2};
    for (int i = 0; i < 5; ++i) indexes.push_back(rng() % n);
    for (uint64_t m : indexes) {
      auto proof = merkle::InclusionProof(m, n, t.Source());
      REQUIRE(proof.ok());
      REQUIRE(*proof == Path(m, t.leaves, 0, n));
      REQUIRE(merkle::VerifyInclusion(m, n, t.leaves[m], *proof, root));
      for (size_t h = 0; h < proof->size(); ++h) {
        Hashes bad = *proof;
        bad[h] = Flip(bad[h], static_cast<int>(rng() % 256));
        REQUIRE_FALSE(merkle::VerifyInclusion(m, n, t.leaves[m], bad, root));
      }
      REQUIRE_FALSE(merkle::VerifyInclusion(m, n, Flip(t.leaves[m], 0), *proof, root));
      REQUIRE_FALSE(merkle::VerifyInclusion(m, n, t.leaves[m], *proof, Flip(root, 255)));
      if (n > 1) REQUIRE_FALSE(merkle::VerifyInclusion((m + 1) % n, n, t.leaves[m], *proof, root));
      Hashes longer = *proof;
      longer.push_back(root);
      REQUIRE_FALSE(merkle::VerifyInclusion(m, n, t.leaves[m], longer, root));
      if (!proof->empty()) {
        Hashes shorter(proof->begin(), proof->end() - 1);
        REQUIRE_FALSE(merkle::VerifyInclusion(m, n, t.leaves[m], shorter, root));
      }
    }
    REQUIRE_FALSE(merkle::VerifyInclusion(n, n, t.leaves[0], {}, root));
  }
}

TEST_CASE("consistency proofs for every pair of sizes up to 70 equal the reference and verify", "[merkle]") {
  Tree t = RandomTree(70, 5);
  std::vector<Hash32> roots(71);
  for (size_t n = 1; n <= 70; ++n) roots[n] = Mth(t.leaves, 0, n);
  for (uint64_t to = 1; to <= 70; ++to)
    for (uint64_t from = 1; from <= to; ++from) {
      auto proof = merkle::ConsistencyProof(from, to, t.Source());
      REQUIRE(proof.ok());
      Hashes expected = from == to ? Hashes{} : Subproof(from, t.leaves, 0, to, true);
      REQUIRE(*proof == expected);
      REQUIRE(merkle::VerifyConsistency(from, to, *proof, roots[from], roots[to]));
      for (size_t h = 0; h < proof->size(); ++h) {
        Hashes bad = *proof;
        bad[h] = Flip(bad[h], static_cast<int>((from * 31 + to + h) % 256));
        REQUIRE_FALSE(merkle::VerifyConsistency(from, to, bad, roots[from], roots[to]));
      }
      REQUIRE_FALSE(merkle::VerifyConsistency(from, to, *proof, Flip(roots[from], 1), roots[to]));
      REQUIRE_FALSE(merkle::VerifyConsistency(from, to, *proof, roots[from], Flip(roots[to], 2)));
      if (from < to) REQUIRE_FALSE(merkle::VerifyConsistency(from, to, *proof, roots[from], roots[from]));
    }
}

TEST_CASE("consistency proofs between random sizes up to 2000 verify; a tampered one fails", "[merkle]") {
  Tree t = RandomTree(2000, 9);
  std::mt19937 rng(13);
  for (int i = 0; i < 60; ++i) {
    uint64_t a = 1 + rng() % 2000, b = 1 + rng() % 2000;
    uint64_t from = std::min(a, b), to = std::max(a, b);
    Hash32 r1 = Mth(t.leaves, 0, from), r2 = Mth(t.leaves, 0, to);
    auto proof = merkle::ConsistencyProof(from, to, t.Source());
    REQUIRE(proof.ok());
    if (from < to) REQUIRE(*proof == Subproof(from, t.leaves, 0, to, true));
    REQUIRE(merkle::VerifyConsistency(from, to, *proof, r1, r2));
    if (!proof->empty()) {
      Hashes bad = *proof;
      size_t h = rng() % bad.size();
      bad[h] = Flip(bad[h], static_cast<int>(rng() % 256));
      REQUIRE_FALSE(merkle::VerifyConsistency(from, to, bad, r1, r2));
    }
  }
  REQUIRE_FALSE(merkle::VerifyConsistency(0, 5, {}, merkle::EmptyRoot(), Mth(t.leaves, 0, 5)));
  REQUIRE_FALSE(merkle::VerifyConsistency(6, 5, {}, Mth(t.leaves, 0, 6), Mth(t.leaves, 0, 5)));
}

TEST_CASE("a proof whose node the store cannot read is an error, not a wrong proof", "[merkle]") {
  Tree t = RandomTree(10, 2);
  merkle::NodeSource missing = [](merkle::NodeId) -> kl::Result<Hash32> {
    return kl::Status(kl::Code::kInternal, "gone");
  };
  REQUIRE_FALSE(merkle::InclusionProof(3, 10, missing).ok());
  REQUIRE_FALSE(merkle::ConsistencyProof(3, 10, missing).ok());
  REQUIRE_FALSE(merkle::InclusionProof(10, 10, t.Source()).ok());
}
