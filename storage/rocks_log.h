// The embedded event log on RocksDB, with a group-commit writer thread: concurrent appends
// queue up and share one WriteBatch and one fsync, and handler threads never block on disk.
#pragma once
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <thread>
#include <unordered_map>

#include "storage/append_deadline.h"
#include "storage/batch_folder.h"
#include "storage/completions.h"
#include "storage/database.h"
#include "events/chain.h"
#include "storage/event_log.h"
#include "storage/merkle.h"

namespace kl::storage {

class RocksLog final : public EventLog {
 public:
  // Reads the head from the log; `folder` may be null (no projections).
  static Result<std::unique_ptr<RocksLog>> Open(Database* db, BatchFolder* folder);
  ~RocksLog() override;

  void Append(std::vector<Event> events, bool durable, AppendCallback done) override;
  Status Read(uint64_t after_seq, size_t limit, std::vector<Event>* out) const override;
  Status ReadReplacing(uint64_t after_seq, size_t limit, std::vector<Event>* out) const override;
  Status ReadStream(const std::string& stream, uint64_t after_version, size_t limit,
                    std::vector<Event>* out) const override;
  uint64_t HeadSeq() const override;
  LogHead Head() const override;
  void NotifyAfter(uint64_t after_seq, std::chrono::steady_clock::time_point deadline,
                   std::function<void(uint64_t)> ready) override;

  LogStats Stats() const override;
  bool HasTree() const override { return true; }
  TreeHead Tree() const override;
  Result<Hash32> TreeNode(merkle::NodeId id) const override;
  // A commit that waits longer than this for RocksDB is logged as a warning and counted in
  // LogStats::slow_commits (a write stall, a slow disk). Any thread, any time.
  void SetSlowCommitThreshold(std::chrono::milliseconds threshold) { slow_commit_ms_ = threshold.count(); }
  // Drains the queue (every queued append is written and answered), then stops the threads.
  void Stop();

 private:
  struct Pending {
    std::vector<Event> events;
    std::vector<events::CanonicalTemplate> canonical;  // one per event, made by the appender
    bool durable;
    AppendCallback done;
    AppendDeadline deadline = kNoAppendDeadline;  // see append_deadline.h
  };
  struct Waiter {
    uint64_t after_seq;
    std::function<void(uint64_t)> ready;
  };

  RocksLog(Database* db, BatchFolder* folder);
  void WriterLoop();
  void TimerLoop();
  // One group commit, in its steps: stage every append of the group into one batch (checking
  // each one's stream versions, sealing its events into the chains, folding them into the
  // projections), write the batch once, then publish the new head and answer every append.
  struct GroupDraft;
  struct AppendUndo {  // what one staged append changed in the draft, to roll it back
    uint64_t seq;
    Hash32 hash;
    std::vector<std::pair<std::string, std::optional<uint64_t>>> versions;
    std::vector<std::pair<std::string, std::optional<Hash32>>> org_heads;
    merkle::CompactRange tree;
  };
  void WriteGroup(std::deque<Pending>& group);
  void RefuseGroup(std::deque<Pending>& group);  // answers every append "unavailable"
  GroupDraft BeginGroup(size_t size);
  // The version / org head as of the draft: its overlay, else the cache, else the database.
  Result<uint64_t> StreamVersionIn(GroupDraft& draft, const std::string& stream);
  Result<Hash32> OrgHeadIn(GroupDraft& draft, const std::string& org);
  // OK, or the append's refusal: a version conflict or an unreadable stream index.
  Status CheckExpectations(GroupDraft& draft, const Pending& p);
  // Adds the append to the draft whole, or leaves the draft as it was and returns why not.
  Status StageAppend(GroupDraft& draft, Pending& p);
  Status SealEvent(GroupDraft& draft, Event& e, const events::CanonicalTemplate& canonical, AppendUndo& undo);
  void RollBack(GroupDraft& draft, const AppendUndo& undo);
  // Brings a tree that is behind the log (a data directory written before the log kept one) up
  // to the head, once, before the writer starts.
  Status CatchUpTree(uint64_t tree_size);
  // Writes the batch (synced if any append asked to be durable); a failure degrades the log.
  Status CommitBatch(GroupDraft& draft);
  // After a durable write: the caches, the head and stats, and the folder's in-memory state.
  void Publish(GroupDraft& draft, const std::deque<Pending>& group);
  void AnswerGroup(std::deque<Pending>& group, const std::vector<Status>& outcome, const Status& write_status);
  // A read error is an error, never "new stream" or "empty org": either would let an append
  // through against a version or chain head it never saw.
  Result<uint64_t> LoadStreamVersion(const std::string& stream) const;
  Result<Hash32> LoadOrgHead(const std::string& org_id) const;
  void FireWaiters(uint64_t head);
  // Takes out of the queue every append whose deadline has passed and answers it "not applied".
  // Called with queue_mu_ held; the answers go to the completions thread.
  void RefuseExpiredLocked(std::chrono::steady_clock::time_point now);
  void ObserveCommit(std::chrono::steady_clock::duration took, size_t appends);

  Database* db_;
  BatchFolder* folder_;
  rocksdb::ColumnFamilyHandle* log_cf_;
  rocksdb::ColumnFamilyHandle* streams_cf_;
  rocksdb::ColumnFamilyHandle* org_heads_cf_;
  rocksdb::ColumnFamilyHandle* tree_cf_;

  // Writer-thread state (only the writer touches these after Open).
  // Writer thread only. Set when a write failed (disk full, fsync error): until RocksDB resumes,
  // appends are refused with kUnavailable without touching the database (writing after a failed
  // WAL write is not safe), and a resume is tried at most every kResumeInterval.
  bool degraded_ = false;
  std::chrono::steady_clock::time_point last_resume_attempt_{};
  static constexpr std::chrono::milliseconds kResumeInterval{250};
  bool Writable();
  // Caches of what the log holds, bounded: past kMaxCached entries one is emptied (a miss is
  // one point lookup) rather than grow with every stream ever written.
  static constexpr size_t kMaxCached = 200000;
  std::unordered_map<std::string, uint64_t> stream_versions_;
  std::unordered_map<std::string, Hash32> org_heads_;
  merkle::CompactRange tree_;  // the tree of head_seq_

  mutable std::mutex head_mu_;
  uint64_t head_seq_ = 0;
  Hash32 head_hash_{};
  Millis head_recorded_at_ = 0;
  Hash32 tree_root_ = merkle::EmptyRoot();  // tree_.Root(), for readers
  LogStats stats_;
  std::atomic<int64_t> slow_commit_ms_{1000};

  Completions completions_;  // answers appends off the writer thread

  std::mutex queue_mu_;
  std::condition_variable queue_cv_;
  std::deque<Pending> queue_;
  size_t queued_with_deadline_ = 0;  // appends in queue_ with a deadline: the timer sweeps them
  bool stopping_ = false;
  std::thread writer_;

  std::mutex waiters_mu_;
  std::condition_variable waiters_cv_;
  std::multimap<std::chrono::steady_clock::time_point, Waiter> waiters_;
  bool timer_stopping_ = false;
  std::thread timer_;
};

}  // namespace kl::storage
