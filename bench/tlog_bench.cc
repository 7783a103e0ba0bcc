// The transparency log's costs (docs/performance.md, "Transparency log"): the tree's work per
// appended event (leaf hash, completed nodes, their puts into a batch), inclusion and consistency
// proofs per second from a stored tree of N leaves (RocksDB, column family `tree`), and the proof
// sizes at 1M and 100M events, computed.
//
// usage: tlog_bench DIR N   (N leaves; 1000000 for the figures)
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <random>
#include <string>

#include "storage/database.h"
#include "storage/merkle.h"
#include "storage/tree_store.h"

namespace merkle = kl::storage::merkle;
using Clock = std::chrono::steady_clock;

namespace {
double Seconds(Clock::time_point since) { return std::chrono::duration<double>(Clock::now() - since).count(); }

// ceil(log2 n): the audit path's length at most (RFC 9162 §2.1.3).
int PathLength(uint64_t n) {
  int k = 0;
  while ((uint64_t{1} << k) < n) ++k;
  return k;
}
}  // namespace

int main(int argc, char** argv) {
  if (argc < 3) {
    std::fprintf(stderr, "usage: tlog_bench DIR N\n");
    return 2;
  }
  std::string dir = argv[1];
  uint64_t n = std::strtoull(argv[2], nullptr, 10);
  std::filesystem::remove_all(dir);
  auto db = kl::storage::Database::Open(dir, {});
  if (!db.ok()) return 1;
  auto* cf = (*db)->cf(kl::storage::kTreeCf);

  // Appends in batches of 64, as a group commit of 64 creates would (no sync: the fsync is
  // the log's, shared with the events; this is the tree's own added work).
  std::string leaf_bytes(600, 'x');  // about one KeyCreated's canonical bytes
  merkle::CompactRange range;
  auto started = Clock::now();
  for (uint64_t i = 0; i < n;) {
    rocksdb::WriteBatch batch;
    for (int k = 0; k < 64 && i < n; ++k, ++i) {
      std::memcpy(leaf_bytes.data(), &i, sizeof i);
      range.Append(merkle::LeafHash(leaf_bytes),
                   [&](merkle::NodeId id, const kl::Hash32& h) { kl::storage::PutTreeNode(batch, cf, id, h); });
    }
    kl::storage::PutTreeSize(batch, cf, range.size);
    if (!(*db)->db()->Write(rocksdb::WriteOptions(), &batch).ok()) return 1;
  }
  double append_s = Seconds(started);
  std::printf("tree appends: %.0f events/s (%.2f us per event, leaf hash of 600 bytes included)\n", n / append_s,
              append_s * 1e6 / n);

  auto nodes = [&](merkle::NodeId id) { return kl::storage::ReadTreeNode((*db)->db(), cf, id); };
  std::mt19937_64 rng(1);
  constexpr int kProofs = 20000;
  started = Clock::now();
  size_t hashes = 0;
  for (int i = 0; i < kProofs; ++i) {
    auto p = merkle::InclusionProof(rng() % n, n, nodes);
    if (!p.ok()) return 1;
    hashes += p->size();
  }
  std::printf("inclusion proofs: %.0f /s at %llu leaves (%.1f hashes each)\n", kProofs / Seconds(started),
              static_cast<unsigned long long>(n), double(hashes) / kProofs);
  started = Clock::now();
  hashes = 0;
  for (int i = 0; i < kProofs; ++i) {
    auto p = merkle::ConsistencyProof(1 + rng() % n, n, nodes);
    if (!p.ok()) return 1;
    hashes += p->size();
  }
  std::printf("consistency proofs: %.0f /s at %llu leaves (%.1f hashes each)\n", kProofs / Seconds(started),
              static_cast<unsigned long long>(n), double(hashes) / kProofs);
  // Sizes at 1M and 100M, computed with the real proof functions over a node source that
  // answers zeros (the shape of a proof depends only on the sizes).
  merkle::NodeSource zeros = [](merkle::NodeId) -> kl::Result<kl::Hash32> { return kl::Hash32{}; };
  for (uint64_t size : {uint64_t{1000000}, uint64_t{100000000}}) {
    size_t inclusion_max = 0, consistency_max = 0;
    for (int i = 0; i < 2000; ++i) {
      inclusion_max = std::max(inclusion_max, merkle::InclusionProof(rng() % size, size, zeros)->size());
      consistency_max = std::max(consistency_max, merkle::ConsistencyProof(1 + rng() % size, size, zeros)->size());
    }
    std::printf("proof size at %llu events: inclusion %zu hashes (%zu bytes; ceil(log2 n) = %d), consistency up to "
                "%zu hashes (%zu bytes) over 2000 random older sizes\n",
                static_cast<unsigned long long>(size), inclusion_max, 32 * inclusion_max, PathLength(size),
                consistency_max, 32 * consistency_max);
  }
  db->reset();  // closed before its files go
  std::filesystem::remove_all(dir);
  return 0;
}
