// In-process validation over a 1M-key index (issue #5, item 4): the work a validation does
// once the HTTP request is parsed — secret shape and checksum, SHA-256, the lookup by hash, the
// org's status, and the status/permission checks — on one core, without HTTP around it.
#include <benchmark/benchmark.h>

#include <random>

#include "domain/cidr.h"
#include "domain/crypto.h"
#include "domain/key.h"
#include "domain/secret.h"
#include "projections/state_cache.h"

namespace {

using kl::projections::StateCache;

constexpr size_t kKeys = 1'000'000;
constexpr size_t kOrgs = 10'000;

struct Index {
  StateCache cache{kKeys * 2};
  std::vector<std::string> secrets;
  std::vector<uint32_t> order;  // a random visiting order, so lookups miss the CPU caches as in life
  // The presented secrets, as a server holds them: in a just-received request buffer (hot in
  // cache), while the index they are looked up in is the cold, 1M-key part.
  static constexpr size_t kPresented = 4096;
  std::vector<std::string> presented;

  Index() {
    secrets.reserve(kKeys);
    for (size_t i = 0; i < kKeys; ++i) {
      auto issued = kl::IssueSecret("kl", "live");
      kl::KeyState k;
      k.id = "key_" + std::to_string(i);
      k.org_id = "org-" + std::to_string(i % kOrgs);
      k.name = "bench key";
      k.permissions = {"read", "write"};
      k.secret_hash_hex = kl::ToHex(issued.hash);
      cache.KeyByHash(issued.hash, [&]() -> std::optional<kl::KeyState> { return k; });
      secrets.push_back(std::move(issued.value));
    }
    for (size_t o = 0; o < kOrgs; ++o) {
      std::string id = "org-" + std::to_string(o);
      cache.Org(id, [&]() -> std::optional<kl::OrgState> { return kl::OrgState{id, "Org", "active", 0, 0, 1}; });
    }
    order.resize(kKeys);
    for (size_t i = 0; i < kKeys; ++i) order[i] = static_cast<uint32_t>(i);
    std::shuffle(order.begin(), order.end(), std::mt19937(42));
    for (size_t j = 0; j < kPresented; ++j) presented.push_back(secrets[order[j * (kKeys / kPresented)]]);
  }
};

Index& TheIndex() {
  static Index index;
  return index;
}

std::optional<kl::KeyState> NeverLoaded() { return std::nullopt; }
std::optional<kl::OrgState> NeverLoadedOrg() { return std::nullopt; }

void BM_ValidateKnownKey(benchmark::State& state) {
  Index& index = TheIndex();
  const std::vector<std::string> required = {"read"};
  const auto ip = kl::ParseIp("203.0.113.7");
  const kl::Millis now = 1'800'000'000'000;
  size_t i = 0, valid = 0;
  for (auto _ : state) {
    const std::string& value = index.presented[i++ % Index::kPresented];
    if (!kl::ParseSecret(value)) state.SkipWithError("malformed");
    auto key = index.cache.KeyByHash(kl::Sha256(value), NeverLoaded);
    auto org = index.cache.Org(key->org_id, NeverLoadedOrg);
    valid += kl::CheckKeyForUse(*key, org->status, now, required, ip) == kl::ValidationCode::kValid;
  }
  if (valid != static_cast<size_t>(state.iterations())) state.SkipWithError("a known key did not validate");
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_ValidateKnownKey)->MinTime(2.0);

// The parts alone, to see where a validation's time goes.
void BM_ParseSecret(benchmark::State& state) {
  Index& index = TheIndex();
  size_t i = 0;
  for (auto _ : state) benchmark::DoNotOptimize(kl::ParseSecret(index.presented[i++ % Index::kPresented]));
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_ParseSecret);

void BM_Sha256(benchmark::State& state) {
  Index& index = TheIndex();
  size_t i = 0;
  for (auto _ : state) benchmark::DoNotOptimize(kl::Sha256(index.presented[i++ % Index::kPresented]));
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_Sha256);

void BM_LookupByHash(benchmark::State& state) {
  Index& index = TheIndex();
  std::vector<kl::Hash32> hashes;
  hashes.reserve(1 << 16);
  for (size_t j = 0; j < (1 << 16); ++j) hashes.push_back(kl::Sha256(index.secrets[index.order[j]]));
  size_t i = 0;
  for (auto _ : state) benchmark::DoNotOptimize(index.cache.KeyByHash(hashes[i++ & 0xFFFF], NeverLoaded));
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_LookupByHash);

}  // namespace

BENCHMARK_MAIN();
