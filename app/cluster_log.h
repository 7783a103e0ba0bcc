// The log `serve` runs on: the embedded RocksLog (the default), or, with --log postgresql://...,
// the cluster's shared log in PostgreSQL followed by this node (docs/cluster.md).
//
// A cluster node appends and reads through storage::PgLog; a follower thread folds every new
// event, whichever node wrote it, into this node's RocksDB projections with the same Projector
// (and checkpoint) the embedded log folds with, so validations and listings stay local. An
// append is answered only once this node's projections hold it (a node shows its own writes by
// the time it answers them); a conflict only once they hold what the append conflicted with, so
// the command runner's retry decides on fresh state.
//
// The node knows how old its view is (docs/cluster.md, "Staleness"): the time since the follower
// last sent a read of the log that came back with the log's end, once what it returned is folded.
#pragma once
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <thread>

#include "app/folded_point.h"
#include "app/serve.h"
#include "http/log_barrier.h"
#include "http/view_freshness.h"
#include "projections/projector.h"
#include "storage/completions.h"
#include "storage/database.h"
#include "storage/pg_log.h"
#include "storage/shared_claims.h"
#include "storage/shared_counters.h"

namespace kl::app {

// The log for `serve`. Call StartFollowing once the projections caught up with it.
Result<std::unique_ptr<storage::EventLog>> OpenServeLog(const ServeConfig& config, storage::Database* db,
                                                        projections::Projector* projector);
// A cluster node starts folding new events here; the embedded log folds in its writer (nothing to do).
void StartFollowing(storage::EventLog& log);
// A cluster node's view freshness for the routes (max: --max-staleness-ms); null for the embedded
// log, whose projections are folded with every commit.
std::unique_ptr<http::ViewFreshness> MakeViewFreshness(storage::EventLog& log, const ServeConfig& config);
// A cluster node's barrier for the routes (http/log_barrier.h); empty for the embedded log.
http::LogBarrier MakeLogBarrier(storage::EventLog& log);
// A cluster node's counters for credits and rate limits, shared with every node in PostgreSQL
// (docs/cluster.md, "Credits and rate limits across nodes"); null for the embedded log.
std::unique_ptr<storage::SharedCounters> MakeSharedCounters(const ServeConfig& config);
// A cluster node's claims on Idempotency-Keys in flight, shared with every node in PostgreSQL
// (docs/cluster.md, "Idempotency across nodes"); null for the embedded log.
std::unique_ptr<storage::SharedClaims> MakeSharedClaims(const ServeConfig& config);

class ClusterNodeLog final : public storage::EventLog {
 public:
  // While nothing new arrives, the follower still reads the log every `confirm_every`, so the
  // view's age stays below it on a node that can reach the log.
  ClusterNodeLog(std::unique_ptr<storage::PgLog> log, storage::Database* db, projections::Projector* projector,
                 std::chrono::milliseconds confirm_every);
  ~ClusterNodeLog() override;

  // Starts the follower from the projections' checkpoint.
  void StartFollowing();
  // The time since the projections were last confirmed to hold the log's head.
  std::chrono::milliseconds ViewAge() const;
  // Runs `then` (on the answers thread) once a follower read sent after this call reached the
  // log's end and was folded; with kUnavailable if none did within `timeout`.
  void AfterLogHead(std::chrono::milliseconds timeout, std::function<void(Status)> then);

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
  // Under mu_: the view is as of `asked_ns`; barriers asked by then go into `due`.
  void ConfirmedCaughtUp(int64_t asked_ns, std::vector<storage::Completions::Task>& due);
  // The follower found that the log no longer holds what it folded (app/folded_point.h), or
  // that it holds it again. While it does not, appends are answered once committed, unfolded.
  void NoteLogWentBack(bool went_back);
  // Runs `answer` once the projections hold `seq` (at once if they do, or the log went back).
  void WhenFolded(uint64_t seq, std::function<void()> answer);

  std::unique_ptr<storage::PgLog> log_;
  storage::Database* db_;
  projections::Projector* projector_;
  const std::chrono::milliseconds confirm_every_;
  // When the last read that reached the log's end was sent (steady clock, ns since its epoch).
  std::atomic<int64_t> confirmed_at_ns_;

  std::mutex mu_;
  std::condition_variable cv_;
  uint64_t folded_ = 0;  // the projections' checkpoint
  // The follower's own: the last event folded, checked on every read (app/folded_point.h).
  std::optional<FoldedPoint> folded_point_;
  bool wake_ = false;
  bool stopping_ = false;
  bool following_ = false;
  bool log_went_back_ = false;
  std::multimap<uint64_t, std::function<void()>> parked_;
  // AfterLogHead's callers by id: when each asked (steady ns) and what to run.
  struct Barrier {
    int64_t asked_ns;
    std::function<void(Status)> then;
  };
  std::map<uint64_t, Barrier> barriers_;
  uint64_t next_barrier_ = 0;
  storage::Completions answers_;
  std::thread follower_;
};

}  // namespace kl::app
