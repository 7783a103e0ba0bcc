// Writes a realistic keyledger data directory for the replay and scale benchmarks: 10k orgs (or ORGS),
// then a mix of key creations, usage windows, updates, revocations and expiries, every event
// made by the domain's own decide functions and appended through the real log (hash chains,
// projections and all), so `keyledger verify`, `replay` and `serve` accept it as their own.
//
//   gen_log DIR TOTAL_EVENTS KEYS [SAMPLE_FILE [ORGS]]
// SAMPLE_FILE (outside DIR: it holds plaintext secrets of this throwaway fixture) receives up to
// 1,000 keys still active at the end, one "org key_id secret" per line, for the latency runs.
// Appends are batched and not fsync'd (a clean close writes them): this builds a fixture, it does
// not measure writes.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <random>
#include <unordered_map>

#include "domain/key.h"
#include "domain/org.h"
#include "domain/time.h"
#include "projections/projector.h"
#include "storage/rocks_log.h"

using namespace kl;

int main(int argc, char** argv) {
  if (argc < 4 || argc > 6) {
    std::fprintf(stderr, "usage: gen_log DIR TOTAL_EVENTS KEYS [SAMPLE_FILE [ORGS]]\n");
    return 2;
  }
  std::string dir = argv[1];
  const uint64_t total = std::stoull(argv[2]);
  const uint64_t want_keys = std::stoull(argv[3]);
  const int kOrgs = argc == 6 ? std::max(1, std::stoi(argv[5])) : 10000;

  std::filesystem::create_directories(dir);
  auto db = storage::Database::Open(dir + "/db", projections::ColumnFamilies());
  if (!db.ok()) return std::fprintf(stderr, "%s\n", db.status().message().c_str()), 1;
  projections::Projector projector(db->get());
  auto log = storage::RocksLog::Open(db->get(), &projector);
  if (!log.ok()) return std::fprintf(stderr, "%s\n", log.status().message().c_str()), 1;

  std::mt19937_64 rng(7);
  const Millis start = NowMillis();
  CommandContext ctx{start, Actor{"admin", "admin"}, "req_gen"};
  std::vector<Event> batch;
  uint64_t appended = 0;
  auto flush = [&] {
    if (batch.empty()) return;
    auto r = (*log)->AppendAndWait(std::move(batch), /*durable=*/false);
    if (!r.status.ok()) {
      std::fprintf(stderr, "append: %s\n", r.status.message().c_str());
      std::exit(1);
    }
    appended += r.events.size();
    batch.clear();
  };

  std::vector<OrgState> orgs;
  for (int i = 0; i < kOrgs; ++i) {
    CreateOrgInput in{"org-" + std::to_string(i), "Org " + std::to_string(i), std::nullopt};
    auto events = DecideCreateOrg(std::nullopt, in, {}, ctx);
    if (!events.ok()) return std::fprintf(stderr, "org: %s\n", events.status().message().c_str()), 1;
    std::optional<OrgState> org;
    for (auto& e : *events) EvolveOrg(org, e), batch.push_back(std::move(e));
    orgs.push_back(*org);
    if (batch.size() >= 2000) flush();
  }

  // Live keys, by index; a key leaves this list when it is revoked or expired.
  std::vector<KeyState> keys;
  keys.reserve(want_keys);
  std::unordered_map<size_t, std::string> secrets;  // a sample only, by key index
  std::vector<size_t> live;
  uint64_t created = 0;
  auto apply = [&](KeyState& key, std::vector<Event>& events) {
    std::optional<KeyState> state = key;
    for (auto& e : events) EvolveKey(state, e), batch.push_back(std::move(e));
    key = *state;
  };
  while (appended + batch.size() < total) {
    uint64_t left = total - appended - batch.size();
    uint64_t keys_left = want_keys - created;
    int dice = static_cast<int>(rng() % 100);
    bool create = keys_left > 0 && (live.empty() || keys_left * 100 >= left * 99 || dice < 30);
    if (!create && live.empty()) {  // every key made, none left to use: nothing more can happen
      std::fprintf(stderr, "gen_log: every key is revoked or expired; stopping short of %llu events\n",
                   static_cast<unsigned long long>(total));
      break;
    }
    if (create) {
      const OrgState& org = orgs[rng() % orgs.size()];
      CreateKeyInput in;
      in.name = "key " + std::to_string(created);
      in.permissions = std::vector<std::string>{"posts:read", "posts:write"};
      // Some keys will expire: 90 days out, like real ones. With an hour, every such key was due a
      // KeyExpiringSoon warning the moment `serve` started, and at 1M keys the sweeper's 100k
      // warnings ran through the whole scale measurement (at 10k, 1k of them were done first).
      if (created % 10 == 0) in.ttl_seconds = 90 * 86400;
      auto made = DecideCreateKey(org, org.id, in, {}, ctx);
      if (!made.ok()) return std::fprintf(stderr, "key: %s\n", made.status().message().c_str()), 1;
      std::optional<KeyState> state;
      for (auto& e : made->events) EvolveKey(state, e), batch.push_back(std::move(e));
      keys.push_back(*state);
      live.push_back(keys.size() - 1);
      // Sampled keys must be able to stay active: with a step that is a multiple of 10, sampling
      // created % step == 0 took only keys with a TTL, so a 1M-key sample came out empty.
      if (argc >= 5 && (created + 1) % std::max<uint64_t>(1, want_keys / 4000) == 0)
        secrets[keys.size() - 1] = made->secret_value;
      ++created;
    } else if (!live.empty()) {
      size_t slot = rng() % live.size();
      KeyState& key = keys[live[slot]];
      std::vector<Event> events;
      if (dice < 80) {  // a usage window
        Millis at = start + static_cast<Millis>(rng() % 1000);
        events.push_back(NewEvent(ctx, key.org_id, key.id, key.version + 1,
                                  KeyUsed{1 + static_cast<int64_t>(rng() % 50), at, at + 900, "203.0.113.7",
                                          "bench-client/1.0", 0}));
      } else if (dice < 90) {
        UpdateKeyInput in;
        in.name = "renamed " + std::to_string(rng() % 1000);
        auto r = DecideUpdateKey(key, orgs[0], in, {}, ctx);
        if (r.ok()) events = std::move(*r);
      } else if (dice < 95 || !key.expires_at) {
        auto r = DecideRevokeKey(key, std::string("bench"), ctx);
        if (r.ok()) events = std::move(*r);
      } else {
        CommandContext later = ctx;
        later.now = *key.expires_at + 1;
        later.actor = Actor{"system", "expiry-sweeper"};
        events = DecideExpireKey(key, later);
      }
      apply(key, events);
      if (key.status != "active") {
        live[slot] = live.back();
        live.pop_back();
      }
    }
    if (batch.size() >= 2000) flush();
  }
  flush();
  // A clean stop and close: everything appended is on disk.
  (*log)->Stop();
  if (Status s = (*db)->Close(); !s.ok()) return std::fprintf(stderr, "%s\n", s.message().c_str()), 1;
  if (argc >= 5) {
    FILE* out = std::fopen(argv[4], "w");
    if (!out) return std::fprintf(stderr, "cannot write %s\n", argv[4]), 1;
    int n = 0;
    for (const auto& [index, secret] : secrets) {
      const KeyState& k = keys[index];
      if (k.status != "active" || k.expires_at || n >= 1000) continue;
      std::fprintf(out, "%s %s %s\n", k.org_id.c_str(), k.id.c_str(), secret.c_str());
      ++n;
    }
    std::fclose(out);
  }
  std::printf("%llu events, %llu keys, %d orgs\n", static_cast<unsigned long long>(appended),
              static_cast<unsigned long long>(created), kOrgs);
  return 0;
}
