#include "app/cluster_log.h"

#include <pthread.h>
#include <spdlog/spdlog.h>

#include "storage/rocks_log.h"

namespace kl::app {

namespace {
constexpr size_t kFoldBatch = 1024;

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
  auto pg = storage::PgLog::Open(options);
  if (!pg.ok()) return pg.status();
  if (projector->Checkpoint() > (*pg)->HeadSeq())
    return Status(Code::kPreconditionFailed,
                  "the projections have folded further than the log's head: this data directory followed another log");
  spdlog::info("cluster node on the PostgreSQL log (head seq {})", (*pg)->HeadSeq());
  return std::unique_ptr<storage::EventLog>(new ClusterNodeLog(std::move(*pg), db, projector));
}

void StartFollowing(storage::EventLog& log) {
  if (auto* node = dynamic_cast<ClusterNodeLog*>(&log)) node->StartFollowing();
}

ClusterNodeLog::ClusterNodeLog(std::unique_ptr<storage::PgLog> log, storage::Database* db,
                               projections::Projector* projector)
    : log_(std::move(log)), db_(db), projector_(projector) {}

ClusterNodeLog::~ClusterNodeLog() { Stop(); }

void ClusterNodeLog::StartFollowing() {
  std::lock_guard lock(mu_);
  if (following_ || stopping_) return;
  following_ = true;
  folded_ = projector_->Checkpoint();
  follower_ = std::thread([this] {
    pthread_setname_np(pthread_self(), "kl-log-follow");  // for top and perf
    FollowLoop();
  });
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

void ClusterNodeLog::WhenFolded(uint64_t seq, std::function<void()> answer) {
  {
    std::lock_guard lock(mu_);
    if (folded_ < seq && following_ && !stopping_) {
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
  if (Status s = log_->Read(from, kFoldBatch, &batch); !s.ok()) return s;
  if (batch.empty()) return size_t{0};
  // As the embedded log's writer folds a group: every projection write and the checkpoint in one
  // batch, then the in-memory caches told.
  rocksdb::WriteBatchWithIndex writes(rocksdb::BytewiseComparator(), 0, /*overwrite_key=*/true);
  for (const Event& e : batch)
    if (Status s = projector_->Fold(e, writes); !s.ok()) return s;
  projector_->RecordCheckpoint(batch.back().seq, writes);
  if (auto s = db_->db()->Write(rocksdb::WriteOptions(), writes.GetWriteBatch()); !s.ok())
    return storage::FromRocks(s, "fold the cluster log");
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
    if (folded.ok() && *folded > 0) {
      last_error.clear();
      continue;
    }
    if (!folded.ok() && folded.status().message() != last_error) {
      last_error = folded.status().message();
      spdlog::error("this node cannot fold the cluster log: {}", last_error);
    }
    // Wait for the head to pass what is folded (its notification, the poll, or a second).
    uint64_t at;
    {
      std::lock_guard lock(mu_);
      at = folded_;
      wake_ = false;
    }
    auto wait = folded.ok() ? std::chrono::milliseconds(1000) : std::chrono::milliseconds(250);
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
  }
  answers_.Post(std::move(rest));  // committed, though not folded here: answered anyway
  answers_.Stop();
}

}  // namespace kl::app
