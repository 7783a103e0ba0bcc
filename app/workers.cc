#include "app/workers.h"

#include <spdlog/spdlog.h>

#include "domain/command.h"
#include "domain/key.h"
#include "domain/key_warnings.h"
#include "domain/ids.h"
#include "domain/time.h"

namespace kl::app {

namespace {

CommandContext SystemContext(const char* worker) {
  Millis now = NowMillis();
  return CommandContext{now, Actor{"system", worker}, NewId("req", now)};
}

// Appends events for one key at its current version, re-reading the version on a conflict.
// `make` builds the events for a given current key state.
template <typename Make>
bool AppendForKey(storage::EventLog& log, const projections::ReadModel& reads, const std::string& key_id, bool durable,
                  Make make) {
  for (int attempt = 0; attempt < 8; ++attempt) {
    auto key = reads.GetKey(key_id);
    if (!key) return false;
    std::vector<Event> events = make(*key);
    if (events.empty()) return true;
    auto r = log.AppendAndWait(std::move(events), durable);
    if (r.status.ok()) return true;
    if (r.status.code() != Code::kConflict) {
      spdlog::warn("append for key {} failed: {}", key_id, r.status.message());
      return false;
    }
  }
  return false;
}

}  // namespace

UsageFlusher::UsageFlusher(storage::EventLog& log, const projections::ReadModel& reads,
                           projections::UsageTracker& usage, std::chrono::milliseconds period)
    : log_(log), reads_(reads), usage_(usage), worker_("kl-usage-flush", period, [this] { FlushOnce(); }) {}

UsageFlusher::~UsageFlusher() { Stop(); }

void UsageFlusher::Start() { worker_.Start(); }

void UsageFlusher::Stop() {
  if (worker_.Stop()) FlushOnce();  // a clean shutdown loses no usage
}

namespace {
std::vector<Event> UsageEvents(const projections::KeyUsage& usage, const KeyState& key, const CommandContext& ctx) {
  std::vector<Event> events;
  uint64_t v = key.version;
  if (usage.used) {
    const auto& w = *usage.used;
    events.push_back(NewEvent(ctx, key.org_id, key.id, ++v,
                              KeyUsed{w.count, w.first_at, w.last_at, w.ip, w.user_agent, w.credits_spent}));
  }
  for (const auto& [code, w] : usage.rejected)
    events.push_back(NewEvent(ctx, key.org_id, key.id, ++v,
                              KeyUseRejected{code, w.count, w.first_at, w.last_at, w.ip, w.user_agent}));
  return events;
}
}  // namespace

size_t UsageFlusher::FlushOnce() {
  auto batch = usage_.BeginFlush();
  if (batch.empty()) return 0;
  CommandContext ctx = SystemContext("usage-flusher");
  // Queue every key's append at once so the log's writer groups them into one batch; the few
  // that lose a race with a lifecycle change are retried one by one afterwards.
  std::mutex mu;
  std::condition_variable cv;
  size_t outstanding = batch.size(), appended = 0;
  std::vector<size_t> conflicted;
  for (size_t i = 0; i < batch.size(); ++i) {
    auto key = reads_.GetKey(batch[i].key_id);
    if (!key) {
      usage_.EndFlush(batch[i], false);
      std::lock_guard lock(mu);
      --outstanding;
      continue;
    }
    auto events = UsageEvents(batch[i], *key, ctx);
    size_t n = events.size();
    log_.Append(std::move(events), /*durable=*/false, [&, i, n](storage::AppendResult r) {
      if (r.status.ok()) usage_.EndFlush(batch[i], true);
      std::lock_guard lock(mu);
      if (r.status.ok()) appended += n;
      else conflicted.push_back(i);
      if (--outstanding == 0) cv.notify_all();
    });
  }
  {
    std::unique_lock lock(mu);
    cv.wait(lock, [&] { return outstanding == 0; });
  }
  for (size_t i : conflicted) {
    size_t n = 0;
    bool ok = AppendForKey(log_, reads_, batch[i].key_id, /*durable=*/false, [&](const KeyState& key) {
      auto events = UsageEvents(batch[i], key, ctx);
      n = events.size();
      return events;
    });
    usage_.EndFlush(batch[i], ok);
    if (ok) appended += n;
  }
  return appended;
}

ExpirySweeper::ExpirySweeper(storage::EventLog& log, const projections::ReadModel& reads,
                             std::chrono::milliseconds period)
    : log_(log), reads_(reads), worker_("kl-sweeper", period, [this] { SweepOnce(); }) {}

ExpirySweeper::~ExpirySweeper() { Stop(); }

void ExpirySweeper::Start() { worker_.Start(); }

void ExpirySweeper::Stop() { worker_.Stop(); }

size_t ExpirySweeper::SweepOnce() {
  size_t appended = 0;
  // Each kind of due work: an index of keys due by now, and the decision for one key.
  using DueFn = std::vector<std::string> (projections::ReadModel::*)(Millis, size_t) const;
  using DecideFn = std::vector<Event> (*)(const KeyState&, const CommandContext&);
  const std::pair<DueFn, DecideFn> kinds[] = {{&projections::ReadModel::KeysDueToExpire, &DecideExpireKey},
                                              {&projections::ReadModel::KeysDueToRefill, &DecideRefillCredits},
                                              {&projections::ReadModel::KeysDueForWarning, &DecideKeyWarnings}};
  for (const auto& [due_fn, decide] : kinds) {
    // Bounded: a key that stays due without producing events (a lost race) waits for next period.
    for (int round = 0; round < 64; ++round) {
      auto due = (reads_.*due_fn)(NowMillis(), 256);
      if (due.empty()) break;
      size_t before = appended;
      for (const auto& id : due) {
        CommandContext ctx = SystemContext("sweeper");
        // Progress is an event appended: a due key that decides nothing (one past its expiry, due
        // a warning) counted as progress, and the same page was read again for 64 rounds.
        bool decided = false;
        if (AppendForKey(log_, reads_, id, /*durable=*/true, [&](const KeyState& key) {
              auto events = decide(key, ctx);
              decided = !events.empty();
              return events;
            }) &&
            decided)
          ++appended;
      }
      if (appended == before || due.size() < 256) break;  // no progress: try again next period
    }
  }
  return appended;
}

}  // namespace kl::app
