// The log `serve` runs on: the embedded RocksLog (the default), or, with --log postgresql://...,
// the cluster's shared log in PostgreSQL followed by this node (docs/cluster.md).
//
// A cluster node appends and reads through storage::PgLog; a follower thread folds every new
// event, whichever node wrote it, into this node's RocksDB projections with the same Projector
// (and checkpoint) the embedded log folds with, so validations and listings stay local. An
// append is answered only once this node's projections hold it (a node shows its own writes by
// the time it answers them); a conflict only once they hold what the append conflicted with, so
// the command runner's retry decides on fresh state.
#pragma once
#include <condition_variable>
#include <map>
#include <memory>
#include <mutex>
#include <thread>

#include "app/serve.h"
#include "projections/projector.h"
#include "storage/completions.h"
#include "storage/database.h"
#include "storage/pg_log.h"

namespace kl::app {

// The log for `serve`. Call StartFollowing once the projections caught up with it.
Result<std::unique_ptr<storage::EventLog>> OpenServeLog(const ServeConfig& config, storage::Database* db,
                                                        projections::Projector* projector);
// A cluster node starts folding new events here; the embedded log folds in its writer (nothing to do).
void StartFollowing(storage::EventLog& log);

class ClusterNodeLog final : public storage::EventLog {
 public:
  ClusterNodeLog(std::unique_ptr<storage::PgLog> log, storage::Database* db, projections::Projector* projector);
  ~ClusterNodeLog() override;

  // Starts the follower from the projections' checkpoint.
  void StartFollowing();

  void Append(std::vector<Event> events, bool durable, storage::AppendCallback done) override;
  void AppendFenced(std::vector<Event> events, bool durable, storage::AppendFence fence,
                    storage::AppendCallback done) override;
  Status Read(uint64_t after_seq, size_t limit, std::vector<Event>* out) const override {
    return log_->Read(after_seq, limit, out);
  }
  Status ReadStream(const std::string& stream, uint64_t after_version, size_t limit,
                    std::vector<Event>* out) const override {
    return log_->ReadStream(stream, after_version, limit, out);
  }
  uint64_t HeadSeq() const override { return log_->HeadSeq(); }
  storage::LogHead Head() const override { return log_->Head(); }
  storage::LogStats Stats() const override { return log_->Stats(); }
  void NotifyAfter(uint64_t after_seq, std::chrono::steady_clock::time_point deadline,
                   std::function<void(uint64_t)> ready) override {
    log_->NotifyAfter(after_seq, deadline, std::move(ready));
  }
  // Stops the shared log's writer (every queued append answered), folds what it committed, stops.
  void Stop() override;

 private:
  // What Append and AppendFenced answer with: after the fold, as described above.
  storage::AppendCallback AfterFold(storage::AppendCallback done);
  void FollowLoop();
  // Folds the next events after the checkpoint; returns how many.
  Result<size_t> FoldNext(std::vector<Event>& batch);
  // Runs `answer` once the projections hold `seq` (at once if they do).
  void WhenFolded(uint64_t seq, std::function<void()> answer);

  std::unique_ptr<storage::PgLog> log_;
  storage::Database* db_;
  projections::Projector* projector_;

  std::mutex mu_;
  std::condition_variable cv_;
  uint64_t folded_ = 0;  // the projections' checkpoint
  bool wake_ = false;
  bool stopping_ = false;
  bool following_ = false;
  std::multimap<uint64_t, std::function<void()>> parked_;
  storage::Completions answers_;
  std::thread follower_;
};

}  // namespace kl::app
