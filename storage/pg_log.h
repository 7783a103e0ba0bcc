// The event log of a cluster: one table in PostgreSQL that several keyledger nodes append to
// and read from (docs/cluster.md). It keeps RocksLog's promises: one global order, both hash
// chains sealed in that order exactly as RocksLog seals them, expected stream versions checked
// atomically, group commit, and `done` only after COMMIT returned.
//
// Appends take turns on the single row of keyledger_head (SELECT ... FOR UPDATE, held to
// COMMIT), so seq order is commit order and no reader sees seq n+1 before n; the current stream
// versions and org chain heads are read under that lock, so the check and the seal are exact
// whichever node wrote last. A writer thread sends what is queued as one transaction per group
// in two round trips (pipeline mode): lock and read; then insert, move the head, notify, commit.
#pragma once
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <memory>
#include <mutex>
#include <optional>
#include <thread>

#include "events/chain.h"
#include "storage/append_deadline.h"
#include "storage/completions.h"
#include "storage/event_log.h"
#include "storage/pg_conn.h"
#include "storage/pg_pool.h"
#include "storage/pg_waiters.h"

namespace kl::storage {

struct PgLogOptions {
  std::string conninfo;  // a libpq connection string or postgresql:// URI, multi-host allowed
  // Round trips of one group past this are given up: the append fails with kUnavailable, or,
  // once COMMIT was sent, its outcome is looked up on a new connection.
  std::chrono::milliseconds op_timeout{5000};
  std::chrono::milliseconds connect_timeout{2000};
  // While PostgreSQL is unreachable, a new connection is tried at most this often; appends in
  // between fail at once with kUnavailable.
  std::chrono::milliseconds reconnect_interval{250};
  // The head is read at least this often, in case a notification was missed (LISTEN/NOTIFY is
  // the fast path, this the fallback).
  std::chrono::milliseconds poll_interval{500};
  std::chrono::milliseconds read_timeout{30000};
  // A group whose round trips take this long is logged and counted in LogStats::slow_commits.
  std::chrono::milliseconds slow_commit{1000};
};

class PgLog final : public EventLog {
 public:
  // Connects, creates or migrates the schema (pg_schema.h) and reads the head. Fails when
  // PostgreSQL cannot be reached within the connect timeout or its schema is newer than known.
  static Result<std::unique_ptr<PgLog>> Open(PgLogOptions options);
  ~PgLog() override;

  // `durable` is not looked at: every append is committed as the server's synchronous_commit
  // says (other nodes may fold an event as soon as it is committed, so none may be lost later).
  void Append(std::vector<Event> events, bool durable, AppendCallback done) override;
  // The fence's token is compared with the lease's row (keyledger_leases, pg_lease.h) in the
  // group's transaction, under a share lock held to COMMIT: the lease cannot change hands between
  // the check and the commit.
  void AppendFenced(std::vector<Event> events, bool durable, AppendFence fence, AppendCallback done) override;
  Status Read(uint64_t after_seq, size_t limit, std::vector<Event>* out) const override;
  Status ReadStream(const std::string& stream, uint64_t after_version, size_t limit,
                    std::vector<Event>* out) const override;
  // The newest head this node has seen: its own commits at once, other nodes' on their
  // notification (or at the next poll).
  uint64_t HeadSeq() const override;
  LogHead Head() const override;
  LogStats Stats() const override;
  void NotifyAfter(uint64_t after_seq, std::chrono::steady_clock::time_point deadline,
                   std::function<void(uint64_t)> ready) override;

  // Drains the queue (every queued append is committed or refused, and answered), then stops
  // the threads.
  void Stop() override;

 private:
  struct Pending {
    std::vector<Event> events;
    std::vector<events::CanonicalTemplate> canonical;  // one per event, made by the appender
    AppendCallback done;
    std::optional<AppendFence> fence;
    AppendDeadline deadline = kNoAppendDeadline;  // see append_deadline.h
  };
  using Group = std::deque<Pending>;
  // A group whose COMMIT was sent but whose answer never came: it may or may not be in the log.
  // Its appenders wait until a new connection finds out (by the hash of its first event at its
  // seq, which names the event's unique id).
  struct InDoubt {
    Group group;
    std::vector<Status> outcome;
    uint64_t first_seq;
    Hash32 first_hash;
    LogHead last;
  };
  // What phase 1 of a group read under the head lock.
  struct Snapshot;

  explicit PgLog(PgLogOptions options);
  void WriterLoop();
  void Enqueue(Pending pending);
  void WriteGroup(Group& group);
  // Answers "not applied" to every queued append whose request deadline has passed, before it
  // can enter a group (append_deadline.h). queue_mu_ held.
  void RefuseExpiredLocked(std::chrono::steady_clock::time_point now);
  void ObserveCommit(std::chrono::steady_clock::duration took, size_t appends);
  // Seals the group's appends against `snap` (conflicts marked in outcome) and returns the
  // phase 2 queries; *last is the head after the group.
  std::vector<PgQuery> SealGroup(Group& group, const Snapshot& snap, std::vector<Status>& outcome, LogHead* last);
  bool ResolveInDoubt();
  bool EnsureWriter();
  void Finish(Group& group, std::vector<Status>& outcome, const Status& commit, const LogHead* committed);
  void FailAll(Group& group, const Status& status);
  void ListenerLoop();
  void RefreshHead(PgConnection& conn);
  void AdvanceHead(const LogHead& head);

  PgLogOptions options_;
  PgPool reads_;

  // Writer thread only.
  std::unique_ptr<PgConnection> writer_conn_;
  std::chrono::steady_clock::time_point last_connect_attempt_{};
  std::optional<InDoubt> in_doubt_;

  mutable std::mutex head_mu_;
  LogHead head_;
  LogStats stats_;

  Completions completions_;  // answers appends off the writer thread, in commit order
  HeadWaiters waiters_;

  std::mutex queue_mu_;
  std::condition_variable queue_cv_;
  std::deque<Pending> queue_;
  bool stopping_ = false;
  std::thread writer_;

  int wake_fd_ = -1;  // eventfd: wakes the listener to stop
  std::atomic<bool> listener_stopping_{false};
  std::thread listener_;
};

}  // namespace kl::storage
