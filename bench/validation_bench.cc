// In-process validation over a 1M-key index (docs/performance.md): the work a validation does
// once the HTTP request is parsed — secret shape and checksum, SHA-256, the lookup by hash, the
// org's status, and the status/permission checks — on one core, without HTTP around it.
// The ValidationIndex (the hot path's index) is measured beside the StateCache it replaces.
#include <benchmark/benchmark.h>

#include <array>
#include <fstream>
#include <iostream>
#include <memory>
#include <random>

#include "domain/cidr.h"
#include "domain/crypto.h"
#include "domain/key.h"
#include "domain/secret.h"
#include "projections/state_cache.h"
#include "projections/validation_index.h"

namespace {

using kl::projections::StateCache;
using kl::projections::ValidationIndex;

constexpr size_t kKeys = 1'000'000;
constexpr size_t kOrgs = 10'000;
constexpr kl::Millis kNow = 1'800'000'000'000;

std::optional<kl::KeyState> NeverLoaded() { return std::nullopt; }
std::optional<kl::OrgState> NeverLoadedOrg() { return std::nullopt; }

struct Index {
  StateCache cache{kKeys * 2};
  // Loaders that find nothing: every key is preloaded, so a call would be a bench bug.
  ValidationIndex index{kKeys, [](const kl::Hash32&) { return NeverLoaded(); },
                        [](const std::string&) { return NeverLoadedOrg(); }};
  std::vector<std::string> secrets;
  std::vector<uint32_t> order;  // a random visiting order, so lookups miss the CPU caches as in life
  // The presented secrets: every key once, in a random order, one per 64-byte line of a buffer
  // read in sequence. Like a request buffer that just arrived, the secret is in cache (the
  // prefetcher follows the sequence), while each lookup lands on a random, cold part of the 1M-key
  // index (an earlier version of this bench cycled over 4096 keys, whose entries stayed cached).
  static constexpr size_t kStride = 64;
  std::string presented;
  size_t secret_size = 0;  // every secret here has the same prefix and environment, so one size
  std::string_view Presented(size_t i) const {
    return std::string_view(presented.data() + (i % kKeys) * kStride, secret_size);
  }

  Index() {
    std::vector<kl::OrgState> orgs;
    for (size_t o = 0; o < kOrgs; ++o) {
      std::string id = "org-" + std::to_string(o);
      orgs.push_back(kl::OrgState{id, "Org", "active", 0, 0, 1});
      cache.Org(id, [&]() -> std::optional<kl::OrgState> { return orgs.back(); });
    }
    secrets.reserve(kKeys);
    for (size_t i = 0; i < kKeys; ++i) {
      auto issued = kl::IssueSecret("kl", "live");
      kl::KeyState k;
      k.id = "key_" + std::to_string(i);
      k.org_id = orgs[i % kOrgs].id;
      k.name = "bench key";
      k.permissions = {"read", "write"};
      k.secret_hash_hex = kl::ToHex(issued.hash);
      k.version = 1;
      cache.KeyByHash(issued.hash, [&]() -> std::optional<kl::KeyState> { return k; });
      index.Preload(std::make_shared<const kl::KeyState>(std::move(k)), orgs[i % kOrgs]);
      secrets.push_back(std::move(issued.value));
    }
    if (index.KeyCount() != kKeys) std::abort();
    order.resize(kKeys);
    for (size_t i = 0; i < kKeys; ++i) order[i] = static_cast<uint32_t>(i);
    std::shuffle(order.begin(), order.end(), std::mt19937(42));
    presented.assign(kKeys * kStride, '\0');
    secret_size = secrets[0].size();
    // Whether the index's table got 2 MiB pages (transparent huge pages, madvise mode).
    std::ifstream smaps("/proc/self/smaps_rollup");
    for (std::string line; std::getline(smaps, line);)
      if (line.rfind("AnonHugePages", 0) == 0) std::cerr << "after set-up: " << line << "\n";
    for (size_t j = 0; j < kKeys; ++j) {
      if (secrets[order[j]].size() != secret_size || secret_size > kStride) std::abort();
      secrets[order[j]].copy(presented.data() + j * kStride, kStride);
    }
  }
};

Index& TheIndex() {
  static Index index;
  return index;
}

// What the route does per request today: StateCache lookups and CheckKeyForUse on strings.
void BM_StateCache_Validate(benchmark::State& state) {
  Index& index = TheIndex();
  const std::vector<std::string> required = {"read"};
  const auto ip = kl::ParseIp("203.0.113.7");
  size_t i = 0, valid = 0;
  for (auto _ : state) {
    std::string_view value = index.Presented(i++);
    if (!kl::ParseSecret(value)) state.SkipWithError("malformed");
    auto key = index.cache.KeyByHash(kl::Sha256(value), NeverLoaded);
    auto org = index.cache.Org(key->org_id, NeverLoadedOrg);
    valid += kl::CheckKeyForUse(*key, org->status, kNow, required, ip) == kl::ValidationCode::kValid;
  }
  if (valid != static_cast<size_t>(state.iterations())) state.SkipWithError("a known key did not validate");
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_StateCache_Validate)->MinTime(2.0);

// The validation index, code only (lock-free): the figure bench/run reports against its target.
void BM_Index_Decide(benchmark::State& state) {
  Index& index = TheIndex();
  const std::vector<std::string> required = {"read"};
  const auto ip = kl::ParseIp("203.0.113.7");
  size_t i = 0, valid = 0;
  for (auto _ : state) {
    std::string_view value = index.Presented(i++);
    if (!kl::ParseSecret(value)) state.SkipWithError("malformed");
    auto verdict = index.index.Decide(kl::Sha256(value), index.index.Require(required), kNow, ip);
    valid += verdict.code == kl::ValidationCode::kValid;
  }
  if (valid != static_cast<size_t>(state.iterations())) state.SkipWithError("a known key did not validate");
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_Index_Decide)->MinTime(2.0);

// Several validations in hand at once (a reactor's ready requests): hash each and prefetch its
// record, then decide each, so the lookups' memory misses overlap instead of queueing.
void BM_Index_Decide_Batch16(benchmark::State& state) {
  Index& index = TheIndex();
  const std::vector<std::string> required = {"read"};
  const auto ip = kl::ParseIp("203.0.113.7");
  constexpr size_t kBatch = 16;
  std::array<kl::Hash32, kBatch> hashes;
  size_t i = 0, valid = 0;
  for (auto _ : state) {
    for (size_t b = 0; b < kBatch; ++b) {
      std::string_view value = index.Presented(i + b);
      if (!kl::ParseSecret(value)) state.SkipWithError("malformed");
      hashes[b] = kl::Sha256(value);
      index.index.Prefetch(hashes[b]);
    }
    for (size_t b = 0; b < kBatch; ++b)
      valid += index.index.Decide(hashes[b], index.index.Require(required), kNow, ip).code == kl::ValidationCode::kValid;
    i += kBatch;
  }
  if (valid != kBatch * static_cast<size_t>(state.iterations())) state.SkipWithError("a known key did not validate");
  state.SetItemsProcessed(kBatch * state.iterations());
}
BENCHMARK(BM_Index_Decide_Batch16)->MinTime(2.0);

// The validation index with the key's state, as the route needs it for the answer and the gates.
void BM_Index_Validate(benchmark::State& state) {
  Index& index = TheIndex();
  const std::vector<std::string> required = {"read"};
  const auto ip = kl::ParseIp("203.0.113.7");
  size_t i = 0, valid = 0;
  for (auto _ : state) {
    std::string_view value = index.Presented(i++);
    if (!kl::ParseSecret(value)) state.SkipWithError("malformed");
    auto v = index.index.Validate(kl::Sha256(value), index.index.Require(required), kNow, ip);
    valid += v.code == kl::ValidationCode::kValid;
  }
  if (valid != static_cast<size_t>(state.iterations())) state.SkipWithError("a known key did not validate");
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_Index_Validate)->MinTime(2.0);

// The parts alone, to see where a validation's time goes.
void BM_ParseSecret(benchmark::State& state) {
  Index& index = TheIndex();
  size_t i = 0;
  for (auto _ : state) benchmark::DoNotOptimize(kl::ParseSecret(index.Presented(i++)));
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_ParseSecret);

void BM_Sha256(benchmark::State& state) {
  Index& index = TheIndex();
  size_t i = 0;
  for (auto _ : state) benchmark::DoNotOptimize(kl::Sha256(index.Presented(i++)));
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_Sha256);

std::vector<kl::Hash32> RandomHashes(Index& index) {
  std::vector<kl::Hash32> hashes;
  hashes.reserve(1 << 16);
  for (size_t j = 0; j < (1 << 16); ++j) hashes.push_back(kl::Sha256(index.secrets[index.order[j]]));
  return hashes;
}

void BM_StateCache_LookupByHash(benchmark::State& state) {
  Index& index = TheIndex();
  auto hashes = RandomHashes(index);
  size_t i = 0;
  for (auto _ : state) benchmark::DoNotOptimize(index.cache.KeyByHash(hashes[i++ & 0xFFFF], NeverLoaded));
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_StateCache_LookupByHash);

void BM_Index_DecideByHash(benchmark::State& state) {
  Index& index = TheIndex();
  auto hashes = RandomHashes(index);
  const std::vector<std::string> required = {"read"};
  auto req = index.index.Require(required);
  size_t i = 0;
  for (auto _ : state) benchmark::DoNotOptimize(index.index.Decide(hashes[i++ & 0xFFFF], req, kNow));
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_Index_DecideByHash);

}  // namespace

BENCHMARK_MAIN();
