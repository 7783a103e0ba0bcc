#include "app/cluster_log.h"

#include <pthread.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <limits>

#include "app/folded_point.h"
#include "storage/pg_claims.h"
#include "storage/pg_counters.h"
#include "storage/rocks_log.h"

namespace kl::app {

namespace {
constexpr size_t kFoldBatch = 1024;

int64_t SteadyNowNs() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

// A data directory that holds an embedded log must not silently turn into a cluster node's
// copy of another log: its projections fold that log, not this one.
bool HoldsEmbeddedLog(storage::Database* db) {
  std::unique_ptr<rocksdb::Iterator> it(db->db()->NewIterator(rocksdb::ReadOptions(), db->cf(storage::kLogCf)));
  it->SeekToFirst();
  return it->Valid();
}
}  // namespace

Result<std::unique_ptr<storage::EventLog>> OpenServeLog(const ServeConfig& config, storage::Database* db,
                                                        projections::Projector* projector) {
  if (config.log_uri.empty()) {
    auto log = storage::RocksLog::Open(db, projector);
    if (!log.ok()) return log.status();
    (*log)->SetSlowCommitThreshold(std::chrono::milliseconds(config.slow_commit_ms));
    return std::unique_ptr<storage::EventLog>(std::move(*log));
  }
  if (HoldsEmbeddedLog(db))
    return Status(Code::kPreconditionFailed,
                  "the data directory holds an embedded log: a cluster node needs a data directory of its own");
  storage::PgLogOptions options;
  options.conninfo = config.log_uri;
  options.slow_commit = std::chrono::milliseconds(config.slow_commit_ms);
  auto pg = storage::PgLog::Open(options);
  if (!pg.ok()) return pg.status();
  if (auto point = LoadFoldedPoint(*db)) {
    auto mismatch = CheckFoldedPoint(**pg, *point);
    if (!mismatch.ok()) return mismatch.status();
    if (*mismatch)
      return Status(Code::kPreconditionFailed,
                    "the cluster log went back: " + **mismatch +
                        ". This node's view holds events the log no longer has; start it with an empty data directory "
                        "to rebuild its view from the log (docs/cluster.md, \"A log that went back\")");
  }
  if (projector->Checkpoint() > (*pg)->HeadSeq())
    return Status(Code::kPreconditionFailed,
                  "the projections have folded further than the log's head: this data directory followed another "
                  "log, or the log went back (docs/cluster.md)");
  spdlog::info("cluster node on the PostgreSQL log (head seq {})", (*pg)->HeadSeq());
  if (config.signing_key_file.empty())
    spdlog::warn("no --signing-key: this node signs heads and exports with its own key in the data directory, "
                 "which other nodes do not share (docs/cluster.md)");
  // A quarter of the max staleness (at most a second): a node that reaches the log never nears it.
  auto confirm_every = std::clamp(std::chrono::milliseconds(config.max_staleness_ms / 4),
                                  std::chrono::milliseconds(50), std::chrono::milliseconds(1000));
  return std::unique_ptr<storage::EventLog>(new ClusterNodeLog(std::move(*pg), db, projector, confirm_every));
}

void StartFollowing(storage::EventLog& log) {
  if (auto* node = dynamic_cast<ClusterNodeLog*>(&log)) node->StartFollowing();
}

std::unique_ptr<http::ViewFreshness> MakeViewFreshness(storage::EventLog& log, const ServeConfig& config) {
  auto* node = dynamic_cast<ClusterNodeLog*>(&log);
  if (!node) return nullptr;
  return std::make_unique<http::ViewFreshness>([node] { return node->ViewAge(); },
                                               std::chrono::milliseconds(config.max_staleness_ms));
}

std::unique_ptr<storage::SharedCounters> MakeSharedCounters(const ServeConfig& config) {
  if (config.log_uri.empty()) return nullptr;
  // A validation waits at most this long for the counters before it answers 503: well within a
  // client's timeout, long enough for a busy server.
  return std::make_unique<storage::PgCounters>(config.log_uri, std::chrono::milliseconds(2000));
}

std::unique_ptr<storage::SharedClaims> MakeSharedClaims(const ServeConfig& config) {
  if (config.log_uri.empty()) return nullptr;
  return std::make_unique<storage::PgClaims>(config.log_uri, std::chrono::milliseconds(2000));
}

http::LogBarrier MakeLogBarrier(storage::EventLog& log) {
  auto* node = dynamic_cast<ClusterNodeLog*>(&log);
  if (!node) return {};
  // As long as a round trip of the log's writer may take (storage::PgLogOptions::op_timeout).
  return [node](std::function<void(Status)> then) { node->AfterLogHead(std::chrono::seconds(5), std::move(then)); };
}

ClusterNodeLog::ClusterNodeLog(std::unique_ptr<storage::PgLog> log, storage::Database* db,
                               projections::Projector* projector, std::chrono::milliseconds confirm_every)
    : log_(std::move(log)),
      db_(db),
      projector_(projector),
      confirm_every_(confirm_every),
      confirmed_at_ns_(SteadyNowNs()) {}

std::chrono::milliseconds ClusterNodeLog::ViewAge() const {
  int64_t age_ns = SteadyNowNs() - confirmed_at_ns_.load(std::memory_order_relaxed);
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::nanoseconds(std::max<int64_t>(0, age_ns)));
}

ClusterNodeLog::~ClusterNodeLog() { Stop(); }

void ClusterNodeLog::StartFollowing() {
  std::lock_guard lock(mu_);
  if (following_ || stopping_) return;
  following_ = true;
  folded_ = projector_->Checkpoint();
  // Start-up's catch-up folds without recording the point: then the first read learns it.
  folded_point_ = LoadFoldedPoint(*db_);
  if (folded_point_ && folded_point_->seq != folded_) folded_point_.reset();
  // Start-up's catch-up has just read the log to its end.
  confirmed_at_ns_.store(SteadyNowNs(), std::memory_order_relaxed);
  follower_ = std::thread([this] {
    pthread_setname_np(pthread_self(), "kl-log-follow");  // for top and perf
    FollowLoop();
  });
}

void ClusterNodeLog::AfterLogHead(std::chrono::milliseconds timeout, std::function<void(Status)> then) {
  uint64_t id = 0;
  bool parked = false;
  {
    std::lock_guard lock(mu_);
    if (following_ && !stopping_) {
      id = next_barrier_++;
      barriers_.emplace(id, Barrier{SteadyNowNs(), std::move(then)});
      wake_ = true;  // a read now, not at the next confirmation
      parked = true;
    }
  }
  if (!parked) return then(Status(Code::kUnavailable, "this node is not following the log; retry later"));
  cv_.notify_all();
  // The head waiters' timer, used as a timer only: no head passes the largest seq.
  log_->NotifyAfter(std::numeric_limits<uint64_t>::max(), std::chrono::steady_clock::now() + timeout,
                    [this, id](uint64_t) {
                      std::function<void(Status)> late;
                      {
                        std::lock_guard lock(mu_);
                        auto it = barriers_.find(id);
                        if (it == barriers_.end()) return;
                        late = std::move(it->second.then);
                        barriers_.erase(it);
                      }
                      answers_.Post({[late = std::move(late)] {
                        late(Status(Code::kUnavailable, "the log could not be read in time; retry later"));
                      }});
                    });
}

void ClusterNodeLog::ConfirmedCaughtUp(int64_t asked_ns, std::vector<storage::Completions::Task>& due) {
  confirmed_at_ns_.store(asked_ns, std::memory_order_relaxed);
  for (auto it = barriers_.begin(); it != barriers_.end();) {
    if (it->second.asked_ns > asked_ns) {
      ++it;
      continue;
    }
    due.push_back([then = std::move(it->second.then)] { then(Status::Ok()); });
    it = barriers_.erase(it);
  }
}

void ClusterNodeLog::Append(std::vector<Event> events, bool durable, storage::AppendCallback done) {
  log_->Append(std::move(events), durable, AfterFold(std::move(done)));
}

void ClusterNodeLog::AppendFenced(std::vector<Event> events, bool durable, storage::AppendFence fence,
                                  storage::AppendCallback done) {
  log_->AppendFenced(std::move(events), durable, std::move(fence), AfterFold(std::move(done)));
}

storage::AppendCallback ClusterNodeLog::AfterFold(storage::AppendCallback done) {
  return [this, done = std::move(done)](storage::AppendResult r) {
    uint64_t until = 0;
    if (r.status.ok() && !r.events.empty()) {
      until = r.events.back().seq;
    } else if (r.status.code() == Code::kConflict) {
      until = log_->HeadSeq();  // at least what the append lost to
    } else {
      return done(std::move(r));
    }
    WhenFolded(until, [done, r = std::move(r)]() mutable { done(std::move(r)); });
  };
}

void ClusterNodeLog::NoteLogWentBack(bool went_back) {
  std::vector<storage::Completions::Task> due;
  {
    std::lock_guard lock(mu_);
    log_went_back_ = went_back;
    if (!went_back) return;
    // Committed in the log, but this node cannot fold them: answered now, as at Stop.
    for (auto& [seq, answer] : parked_) due.push_back(std::move(answer));
    parked_.clear();
  }
  answers_.Post(std::move(due));
}

void ClusterNodeLog::WhenFolded(uint64_t seq, std::function<void()> answer) {
  {
    std::lock_guard lock(mu_);
    if (folded_ < seq && following_ && !stopping_ && !log_went_back_) {
      parked_.emplace(seq, std::move(answer));
      return;
    }
  }
  answer();
}

Result<size_t> ClusterNodeLog::FoldNext(std::vector<Event>& batch) {
  uint64_t from;
  {
    std::lock_guard lock(mu_);
    from = folded_;
  }
  batch.clear();
  // Sent at `asked`, a read that returns less than asked for saw everything committed by then
  // (commit order is seq order, docs/cluster.md): once folded, the view is as of `asked`.
  const int64_t asked = SteadyNowNs();
  // Each read starts one event early, at the last one folded: the log must still hold it.
  const size_t overlap = from > 0 ? 1 : 0;
  if (Status s = log_->Read(from - overlap, kFoldBatch + overlap, &batch); !s.ok()) return s;
  if (overlap) {
    const Event* at = batch.empty() ? nullptr : &batch.front();
    FoldedPoint expected = folded_point_.value_or(FoldedPoint{from, at ? at->hash : Hash32{}});
    if (auto why = FoldedPointMismatch(expected, at)) {
      NoteLogWentBack(true);
      return Status(Code::kInternal, "the cluster log went back: " + *why +
                                         "; this node's view holds events the log no longer has. Restart it with an "
                                         "empty data directory (docs/cluster.md, \"A log that went back\")");
    }
    NoteLogWentBack(false);
    folded_point_ = expected;
    batch.erase(batch.begin());
  }
  const bool reached_end = batch.size() < kFoldBatch;
  if (batch.empty()) {
    std::vector<storage::Completions::Task> due;
    {
      std::lock_guard lock(mu_);
      ConfirmedCaughtUp(asked, due);
    }
    if (!due.empty()) answers_.Post(std::move(due));
    return size_t{0};
  }
  // As the embedded log's writer folds a group: every projection write and the checkpoint in one
  // batch, then the in-memory caches told.
  rocksdb::WriteBatchWithIndex writes(rocksdb::BytewiseComparator(), 0, /*overwrite_key=*/true);
  for (const Event& e : batch)
    if (Status s = projector_->Fold(e, writes); !s.ok()) return s;
  projector_->RecordCheckpoint(batch.back().seq, writes);
  const FoldedPoint last{batch.back().seq, batch.back().hash};
  RecordFoldedPoint(last, *db_, writes);
  if (auto s = db_->db()->Write(rocksdb::WriteOptions(), writes.GetWriteBatch()); !s.ok())
    return storage::FromRocks(s, "fold the cluster log");
  folded_point_ = last;
  std::vector<const Event*> committed;
  committed.reserve(batch.size());
  for (const Event& e : batch) committed.push_back(&e);
  projector_->Committed(committed);
  std::vector<storage::Completions::Task> due;
  {
    std::lock_guard lock(mu_);
    folded_ = batch.back().seq;
    auto end = parked_.upper_bound(folded_);
    for (auto it = parked_.begin(); it != end; ++it) due.push_back(std::move(it->second));
    parked_.erase(parked_.begin(), end);
    if (reached_end) ConfirmedCaughtUp(asked, due);
  }
  answers_.Post(std::move(due));
  return batch.size();
}

void ClusterNodeLog::FollowLoop() {
  std::vector<Event> batch;
  std::string last_error;
  for (;;) {
    {
      std::lock_guard lock(mu_);
      if (stopping_) break;
    }
    Result<size_t> folded = FoldNext(batch);
    if (folded.ok() && !last_error.empty()) {
      spdlog::info("this node reaches the cluster log again");
      last_error.clear();
    }
    if (folded.ok() && *folded > 0) continue;
    if (!folded.ok() && folded.status().message() != last_error) {
      last_error = folded.status().message();
      spdlog::error("this node cannot fold the cluster log: {}", last_error);
    }
    // Wait for the head to pass what is folded (its notification, the poll, or confirm_every_:
    // the next read confirms the view is still current).
    uint64_t at;
    {
      std::lock_guard lock(mu_);
      if (folded.ok() && !barriers_.empty()) continue;  // asked for after that read: read again
      at = folded_;
      wake_ = false;
    }
    auto wait = folded.ok() ? confirm_every_ : std::min(confirm_every_, std::chrono::milliseconds(250));
    log_->NotifyAfter(at, std::chrono::steady_clock::now() + wait, [this](uint64_t) {
      {
        std::lock_guard lock(mu_);
        wake_ = true;
      }
      cv_.notify_all();
    });
    std::unique_lock lock(mu_);
    cv_.wait(lock, [&] { return wake_ || stopping_; });
  }
  // What the writer committed before it stopped, so its appenders are answered after their fold.
  for (int i = 0; i < 64; ++i) {
    Result<size_t> folded = FoldNext(batch);
    if (!folded.ok() || *folded == 0) break;
  }
}

void ClusterNodeLog::Stop() {
  log_->Stop();  // every queued append committed or refused; committed ones wait for their fold
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  if (follower_.joinable()) follower_.join();
  std::vector<storage::Completions::Task> rest;
  {
    std::lock_guard lock(mu_);
    for (auto& [seq, answer] : parked_) rest.push_back(std::move(answer));
    parked_.clear();
    for (auto& [id, barrier] : barriers_)
      rest.push_back([then = std::move(barrier.then)] { then(Status(Code::kUnavailable, "the node is stopping")); });
    barriers_.clear();
  }
  answers_.Post(std::move(rest));  // committed, though not folded here: answered anyway
  answers_.Stop();
}

}  // namespace kl::app
