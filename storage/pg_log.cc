#include "storage/pg_log.h"

#include <poll.h>
#include <pthread.h>
#include <spdlog/spdlog.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <algorithm>
#include <unordered_map>
#include <unordered_set>

#include "domain/crypto.h"
#include "domain/time.h"
#include "events/codec.h"
#include "storage/pg_schema.h"

namespace kl::storage {

namespace {
constexpr size_t kMaxGroup = 1024;
constexpr const char* kChannel = "keyledger_log";
constexpr const char* kInsertEvent = "kl_insert_event";
constexpr const char* kInsertEventSql =
    "INSERT INTO keyledger_events (seq, stream, stream_version, org_id, recorded_at, hash, org_hash, body) "
    "VALUES ($1, $2, $3, $4, $5, $6, $7, $8)";
constexpr const char* kReadHeadSql = "SELECT seq, encode(hash, 'hex'), recorded_at FROM keyledger_head WHERE id = 1";

std::string HashBytes(const Hash32& h) { return std::string(reinterpret_cast<const char*>(h.data()), h.size()); }

std::chrono::steady_clock::time_point After(std::chrono::milliseconds d) {
  return std::chrono::steady_clock::now() + d;
}

Result<LogHead> ParseHead(const PgResult& r) {
  if (r.rows() != 1) return Status(Code::kInternal, "keyledger_head does not have its one row");
  auto hash = HashFromHex(r.Value(0, 1));
  if (!hash) return Status(Code::kInternal, "keyledger_head holds a hash that is not 32 bytes");
  return LogHead{static_cast<uint64_t>(r.Int(0, 0)), *hash, static_cast<Millis>(r.Int(0, 2))};
}

Status Unavailable(const std::string& why) {
  return Status(Code::kUnavailable, "the log is unavailable (" + why + "); retry later");
}
}  // namespace

struct PgLog::Snapshot {
  LogHead head;
  std::unordered_map<std::string, uint64_t> versions;  // every stream of the group
  std::unordered_map<std::string, Hash32> org_heads;   // the group's orgs that have events
  std::unordered_map<std::string, uint64_t> lease_tokens;  // the leases the group's fences name
};

PgLog::PgLog(PgLogOptions options)
    : options_(std::move(options)),
      reads_(options_.conninfo, options_.connect_timeout, 8),
      waiters_([this] { return HeadSeq(); }) {}

Result<std::unique_ptr<PgLog>> PgLog::Open(PgLogOptions options) {
  auto log = std::unique_ptr<PgLog>(new PgLog(std::move(options)));
  {
    auto conn = PgConnection::Connect(log->options_.conninfo, After(log->options_.connect_timeout));
    if (!conn.ok()) return conn.status();
    // Migrations may wait for another node's; they get more than one round trip's time.
    auto migrated =
        MigratePgSchema(**conn, After(std::max(log->options_.op_timeout * 6, std::chrono::milliseconds(30000))));
    if (!migrated.ok()) return migrated.status();
    PgRun run = (*conn)->Run(kReadHeadSql, After(log->options_.op_timeout));
    if (!run.ok()) return Status(Code::kUnavailable, "PostgreSQL: reading the log head: " + run.error);
    auto head = ParseHead(run.results[0]);
    if (!head.ok()) return head.status();
    log->head_ = *head;
  }
  log->wake_fd_ = ::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  if (log->wake_fd_ < 0) return Status(Code::kInternal, "eventfd failed");
  log->writer_ = std::thread([l = log.get()] {
    pthread_setname_np(pthread_self(), "kl-log-writer");  // for top and perf
    l->WriterLoop();
  });
  log->listener_ = std::thread([l = log.get()] {
    pthread_setname_np(pthread_self(), "kl-log-listen");
    l->ListenerLoop();
  });
  return log;
}

PgLog::~PgLog() {
  Stop();
  if (wake_fd_ >= 0) ::close(wake_fd_);
}

void PgLog::Stop() {
  {
    std::lock_guard lock(queue_mu_);
    stopping_ = true;
  }
  queue_cv_.notify_all();
  if (writer_.joinable()) writer_.join();
  completions_.Stop();  // every append the writer took is answered
  listener_stopping_ = true;
  if (wake_fd_ >= 0) {
    uint64_t one = 1;
    (void)!::write(wake_fd_, &one, sizeof one);
  }
  if (listener_.joinable()) listener_.join();
  waiters_.Stop();
}

void PgLog::Append(std::vector<Event> events, bool, AppendCallback done) {
  Enqueue(Pending{std::move(events), {}, std::move(done), std::nullopt});
}

void PgLog::AppendFenced(std::vector<Event> events, bool, AppendFence fence, AppendCallback done) {
  Enqueue(Pending{std::move(events), {}, std::move(done), std::move(fence)});
}

void PgLog::Enqueue(Pending p) {
  p.deadline = CurrentAppendDeadline();
  // Rendered here, on the appender's thread: the writer only fills in seq and recorded_at.
  p.canonical.reserve(p.events.size());
  for (const Event& e : p.events) p.canonical.push_back(events::MakeCanonicalTemplate(e));
  {
    std::lock_guard lock(queue_mu_);
    if (!stopping_) {
      queue_.push_back(std::move(p));
      queue_cv_.notify_one();
      return;
    }
  }
  p.done(AppendResult{Status(Code::kUnavailable, "the log is shutting down"), {}});
}

void PgLog::WriterLoop() {
  // Once stopping, an append in doubt is looked up for a while longer (its appender must not
  // hear "failed" for a change that may be in the log), then given up on.
  std::optional<std::chrono::steady_clock::time_point> give_up_at;
  for (;;) {
    Group group;
    bool stopping;
    {
      std::unique_lock lock(queue_mu_);
      if (in_doubt_) {
        queue_cv_.wait_for(lock, options_.reconnect_interval, [&] { return stopping_ || !queue_.empty(); });
      } else {
        queue_cv_.wait(lock, [&] { return stopping_ || !queue_.empty(); });
      }
      stopping = stopping_;
      // From here an append is in a group: its deadline no longer applies (append_deadline.h).
      RefuseExpiredLocked(std::chrono::steady_clock::now());
      while (!queue_.empty() && group.size() < kMaxGroup) {
        group.push_back(std::move(queue_.front()));
        queue_.pop_front();
      }
    }
    if (in_doubt_ && !ResolveInDoubt()) {
      // The head depends on whether that group committed: nothing can be sealed until it is known.
      FailAll(group, Unavailable("the outcome of an earlier commit is still being looked up"));
      if (stopping) {
        if (!give_up_at) give_up_at = After(options_.op_timeout * 2);
        if (std::chrono::steady_clock::now() >= *give_up_at) {
          spdlog::error("stopping with a commit whose outcome is unknown: its first event is seq {} ({})",
                        in_doubt_->first_seq, in_doubt_->group.front().events.front().id);
          Finish(in_doubt_->group, in_doubt_->outcome,
                 Status(Code::kUnavailable, "the outcome of this change is unknown: the log could not be reached"),
                 nullptr);
          in_doubt_.reset();
        }
      }
      continue;
    }
    if (group.empty()) {
      if (stopping && !in_doubt_) return;
      continue;
    }
    const auto started = std::chrono::steady_clock::now();
    const size_t appends = group.size();
    WriteGroup(group);
    ObserveCommit(std::chrono::steady_clock::now() - started, appends);
  }
}

void PgLog::RefuseExpiredLocked(std::chrono::steady_clock::time_point now) {
  auto expired = [now](const Pending& p) { return p.deadline != kNoAppendDeadline && p.deadline <= now; };
  std::vector<Completions::Task> answers;
  for (Pending& p : queue_)
    if (expired(p))
      answers.push_back([done = std::move(p.done)] {
        done(AppendResult{Status(Code::kUnavailable,
                                 "the request's deadline passed before its change could be committed; it was not "
                                 "applied, retry later"),
                          {}});
      });
  if (answers.empty()) return;
  queue_.erase(std::remove_if(queue_.begin(), queue_.end(), expired), queue_.end());
  {
    std::lock_guard lock(head_mu_);
    stats_.expired_appends += answers.size();
  }
  completions_.Post(std::move(answers));
}

void PgLog::ObserveCommit(std::chrono::steady_clock::duration took, size_t appends) {
  double seconds = std::chrono::duration<double>(took).count();
  bool slow = took >= options_.slow_commit;
  {
    std::lock_guard lock(head_mu_);
    stats_.commit_seconds += seconds;
    stats_.longest_commit_seconds = std::max(stats_.longest_commit_seconds, seconds);
    if (slow) stats_.slow_commits++;
  }
  if (slow)
    spdlog::warn("a commit of {} appends took {:.0f} ms in PostgreSQL (a slow or unreachable server, a lock "
                 "wait, or a synchronous standby that lags)",
                 appends, seconds * 1000);
}

bool PgLog::EnsureWriter() {
  if (writer_conn_ && writer_conn_->usable()) return true;
  writer_conn_.reset();
  auto now = std::chrono::steady_clock::now();
  if (now - last_connect_attempt_ < options_.reconnect_interval) return false;
  last_connect_attempt_ = now;
  // A lock wait past the round trip's deadline is PostgreSQL's to end (the transaction is then
  // known not to have committed), and a transaction left open by a stalled node is ended too.
  auto lock_timeout = std::max<int64_t>(1, options_.op_timeout.count() * 4 / 5);
  auto conn = PgConnection::Connect(
      options_.conninfo, After(options_.connect_timeout),
      {"SET lock_timeout = " + std::to_string(lock_timeout),
       "SET idle_in_transaction_session_timeout = " + std::to_string(options_.op_timeout.count())},
      {{kInsertEvent, kInsertEventSql}});
  if (!conn.ok()) {
    spdlog::warn("the log's writer cannot connect to PostgreSQL: {}", conn.status().message());
    return false;
  }
  writer_conn_ = std::move(*conn);
  spdlog::info("the log's writer is connected to PostgreSQL");
  return true;
}

void PgLog::FailAll(Group& group, const Status& status) {
  std::vector<Status> outcome(group.size());
  Finish(group, outcome, status, nullptr);
}

void PgLog::WriteGroup(Group& group) {
  if (!EnsureWriter()) return FailAll(group, Unavailable("PostgreSQL cannot be reached"));
  const auto deadline = After(options_.op_timeout);
  std::vector<std::string> streams, orgs, leases;
  {
    std::unordered_set<std::string> seen_streams, seen_orgs, seen_leases;
    for (const Pending& p : group) {
      for (const Event& e : p.events) {
        if (std::string s = e.Stream(); seen_streams.insert(s).second) streams.push_back(std::move(s));
        if (seen_orgs.insert(e.org_id).second) orgs.push_back(e.org_id);
      }
      if (p.fence && seen_leases.insert(p.fence->lease).second) leases.push_back(p.fence->lease);
    }
  }
  // Phase 1: take the head lock, then read, under it, what the seal and the checks depend on.
  std::vector<PgQuery> reads = {
      PgQuery{"BEGIN"}, PgQuery{std::string(kReadHeadSql) + " FOR UPDATE"},
      PgQuery{"SELECT s, (SELECT max(stream_version) FROM keyledger_events WHERE stream = s) "
              "FROM unnest($1::text[]) AS s",
              {PgParam::Text(PgTextArray(streams))}},
      PgQuery{"SELECT org_id, encode(hash, 'hex') FROM keyledger_org_heads WHERE org_id = ANY($1::text[])",
              {PgParam::Text(PgTextArray(orgs))}}};
  // Fenced appends: the leases' tokens, share-locked to COMMIT, so a lease taken over meanwhile
  // (its row updated) waits for this transaction and its new holder appends after it.
  if (!leases.empty())
    reads.push_back(PgQuery{"SELECT name, token FROM keyledger_leases WHERE name = ANY($1::text[]) FOR SHARE",
                            {PgParam::Text(PgTextArray(leases))}});
  PgRun read = writer_conn_->Run(reads, deadline);
  if (!read.ok()) {
    // Nothing was sent that could commit: the group is known not to be in the log.
    if (!read.lost) (void)writer_conn_->Run("ROLLBACK", deadline);
    spdlog::warn("append refused, the log could not be read: {}", read.error);
    writer_conn_.reset();  // a fresh connection is the surest way back (it may be a new primary)
    return FailAll(group, Unavailable(read.lost ? "PostgreSQL did not answer" : "PostgreSQL refused a read"));
  }
  Snapshot snap;
  if (auto head = ParseHead(read.results[1]); head.ok()) {
    snap.head = *head;
  } else {
    (void)writer_conn_->Run("ROLLBACK", deadline);
    spdlog::error("append refused: {}", head.status().message());
    return FailAll(group, Status(Code::kInternal, "the log's head cannot be read"));
  }
  AdvanceHead(snap.head);  // committed: a node that lost a race learns of the winner's events now
  for (int r = 0; r < read.results[2].rows(); ++r)
    snap.versions[std::string(read.results[2].Value(r, 0))] = static_cast<uint64_t>(read.results[2].Int(r, 1));
  for (int r = 0; r < read.results[3].rows(); ++r)
    if (auto h = HashFromHex(read.results[3].Value(r, 1)))
      snap.org_heads[std::string(read.results[3].Value(r, 0))] = *h;
  if (!leases.empty())
    for (int r = 0; r < read.results[4].rows(); ++r)
      snap.lease_tokens[std::string(read.results[4].Value(r, 0))] = static_cast<uint64_t>(read.results[4].Int(r, 1));

  std::vector<Status> outcome(group.size());
  LogHead last = snap.head;
  std::vector<PgQuery> writes = SealGroup(group, snap, outcome, &last);
  if (last.seq == snap.head.seq) {  // every append conflicted or was fenced off
    (void)writer_conn_->Run("ROLLBACK", deadline);
    return Finish(group, outcome, Status::Ok(), nullptr);
  }
  // Phase 2: the rows, the org heads, the head, the wake-up for other nodes, COMMIT.
  PgRun write = writer_conn_->Run(writes, deadline);
  if (write.ok() && !write.results.empty() && write.results.back().CommandStatus() == "COMMIT")
    return Finish(group, outcome, Status::Ok(), &last);
  if (write.lost) {
    // COMMIT may have reached the server and been applied: the appenders wait until a new
    // connection finds out (ResolveInDoubt), whatever the writer does meanwhile.
    spdlog::warn("the connection to PostgreSQL broke during a commit ({}); looking up its outcome", write.error);
    size_t first = 0;  // the first append that wrote an event (one did: the head moved)
    while (!outcome[first].ok() || group[first].events.empty()) ++first;
    const uint64_t first_seq = group[first].events.front().seq;
    const Hash32 first_hash = group[first].events.front().hash;
    in_doubt_ = InDoubt{std::move(group), std::move(outcome), first_seq, first_hash, last};
    writer_conn_.reset();
    last_connect_attempt_ = {};  // look it up at once
    (void)ResolveInDoubt();
    return;
  }
  // Refused by the server: the transaction is known to be rolled back.
  (void)writer_conn_->Run("ROLLBACK", deadline);
  spdlog::error("PostgreSQL refused an append ({}): {}", write.sqlstate, write.error);
  // A unique violation means a stream moved under an expectation (which the head lock rules out,
  // so the constraint is the backstop): the appenders re-decide.
  Status refused = write.sqlstate == "23505"
                       ? Status(Code::kConflict, "the resource was changed by a concurrent request; retry")
                       : Unavailable("PostgreSQL refused the write");
  if (write.sqlstate != "23505") writer_conn_.reset();
  Finish(group, outcome, refused, nullptr);
}

std::vector<PgQuery> PgLog::SealGroup(Group& group, const Snapshot& snap, std::vector<Status>& outcome, LogHead* last) {
  // The group's changes to the versions and org heads, over what phase 1 read.
  std::unordered_map<std::string, uint64_t> versions;
  std::unordered_map<std::string, std::pair<uint64_t, Hash32>> org_heads;  // org -> (seq, hash)
  auto version_of = [&](const std::string& stream) -> uint64_t {
    if (auto it = versions.find(stream); it != versions.end()) return it->second;
    auto it = snap.versions.find(stream);
    return it == snap.versions.end() ? 0 : it->second;
  };
  auto org_head_of = [&](const std::string& org) -> Hash32 {
    if (auto it = org_heads.find(org); it != org_heads.end()) return it->second.second;
    auto it = snap.org_heads.find(org);
    return it == snap.org_heads.end() ? Hash32{} : it->second;
  };
  uint64_t seq = snap.head.seq;
  Hash32 hash = snap.head.hash;
  const Millis now = std::max(NowMillis(), snap.head.recorded_at);  // recorded_at never goes backwards
  std::vector<PgQuery> writes;                                      // phase 2 continues phase 1's transaction
  for (size_t i = 0; i < group.size(); ++i) {
    Pending& p = group[i];
    if (p.fence) {
      auto it = snap.lease_tokens.find(p.fence->lease);
      if (it == snap.lease_tokens.end() || it->second != p.fence->token) {
        outcome[i] = Status(Code::kPreconditionFailed, "fencing token " + std::to_string(p.fence->token) +
                                                           " of lease " + p.fence->lease +
                                                           " is no longer current: another holder took it over");
        continue;
      }
    }
    // Expectations first, as RocksLog checks them: nothing of a conflicting append is written.
    std::unordered_map<std::string, uint64_t> expect;
    bool conflict = false;
    for (const Event& e : p.events) {
      std::string stream = e.Stream();
      auto it = expect.find(stream);
      uint64_t current = it != expect.end() ? it->second : version_of(stream);
      if (e.stream_version != current + 1) conflict = true;
      expect[stream] = e.stream_version;
    }
    if (conflict) {
      outcome[i] = Status(Code::kConflict, "the resource was changed by a concurrent request; retry");
      continue;
    }
    for (size_t k = 0; k < p.events.size(); ++k) {
      Event& e = p.events[k];
      e.seq = ++seq;
      e.recorded_at = now;
      events::Seal(e, p.canonical[k], hash, org_head_of(e.org_id));
      hash = e.hash;
      org_heads[e.org_id] = {e.seq, e.org_hash};
      versions[e.Stream()] = e.stream_version;
      writes.push_back(PgQuery::Prepared(kInsertEvent,
                                         {PgParam::Int(static_cast<int64_t>(e.seq)), PgParam::Text(e.Stream()),
                                          PgParam::Int(static_cast<int64_t>(e.stream_version)), PgParam::Text(e.org_id),
                                          PgParam::Int(e.recorded_at), PgParam::Bytes(HashBytes(e.hash)),
                                          PgParam::Bytes(HashBytes(e.org_hash)), PgParam::Bytes(events::Encode(e))}));
    }
  }
  *last = LogHead{seq, hash, now};
  if (seq == snap.head.seq) return {};
  std::vector<std::string> org_ids, org_seqs, org_hashes;
  for (const auto& [org, at] : org_heads) {
    org_ids.push_back(org);
    org_seqs.push_back(std::to_string(at.first));
    org_hashes.push_back(ToHex(at.second));
  }
  writes.push_back(
      PgQuery{"INSERT INTO keyledger_org_heads (org_id, seq, hash) "
              "SELECT o, s, decode(h, 'hex') FROM unnest($1::text[], $2::bigint[], $3::text[]) AS t(o, s, h) "
              "ON CONFLICT (org_id) DO UPDATE SET seq = excluded.seq, hash = excluded.hash",
              {PgParam::Text(PgTextArray(org_ids)), PgParam::Text(PgTextArray(org_seqs)),
               PgParam::Text(PgTextArray(org_hashes))}});
  writes.push_back(
      PgQuery{"UPDATE keyledger_head SET seq = $1, hash = $2, recorded_at = $3 WHERE id = 1",
              {PgParam::Int(static_cast<int64_t>(seq)), PgParam::Bytes(HashBytes(hash)), PgParam::Int(now)}});
  writes.push_back(PgQuery{"SELECT pg_notify($1, $2)", {PgParam::Text(kChannel), PgParam::Text(std::to_string(seq))}});
  writes.push_back(PgQuery{"COMMIT"});
  return writes;
}

bool PgLog::ResolveInDoubt() {
  if (!EnsureWriter()) return false;
  // The head lock first: if the transaction in doubt is still open on this server, this waits for
  // it to end, so what the read below sees is final.
  PgRun run = writer_conn_->Run({PgQuery{"BEGIN"}, PgQuery{"SELECT 1 FROM keyledger_head WHERE id = 1 FOR UPDATE"},
                                 PgQuery{"SELECT encode(hash, 'hex') FROM keyledger_events WHERE seq = $1",
                                         {PgParam::Int(static_cast<int64_t>(in_doubt_->first_seq))}},
                                 PgQuery{"ROLLBACK"}},
                                After(options_.op_timeout));
  if (!run.ok()) {
    if (!run.lost) (void)writer_conn_->Run("ROLLBACK", After(options_.op_timeout));
    spdlog::warn("the outcome of a commit cannot be looked up yet: {}", run.error);
    writer_conn_.reset();
    return false;
  }
  const PgResult& found = run.results[2];
  bool committed = found.rows() == 1 && HashFromHex(found.Value(0, 0)) == in_doubt_->first_hash;
  spdlog::warn("a commit whose answer was lost {} (first event seq {})",
               committed ? "is in the log" : "is not in the log", in_doubt_->first_seq);
  if (committed) {
    Finish(in_doubt_->group, in_doubt_->outcome, Status::Ok(), &in_doubt_->last);
  } else {
    Finish(in_doubt_->group, in_doubt_->outcome, Unavailable("the commit did not reach PostgreSQL"), nullptr);
  }
  in_doubt_.reset();
  return true;
}

void PgLog::Finish(Group& group, std::vector<Status>& outcome, const Status& commit, const LogHead* committed) {
  if (committed) {
    std::lock_guard lock(head_mu_);
    size_t accepted = 0;
    for (size_t i = 0; i < group.size(); ++i)
      if (outcome[i].ok()) {
        ++accepted;
        for (const Event& e : group[i].events) stats_.appended_by_type[e.data.index()]++;
      }
    stats_.batches++;
    stats_.batched_appends += accepted;
    size_t bucket = 0;
    while (bucket + 1 < kBatchSizeBuckets && (size_t{1} << bucket) < accepted) ++bucket;
    stats_.batch_sizes[bucket]++;
  }
  if (committed) AdvanceHead(*committed);
  // Answered on the completions thread, in commit order: the writer goes on to the next group.
  std::vector<Completions::Task> answers;
  answers.reserve(group.size());
  for (size_t i = 0; i < group.size(); ++i) {
    AppendResult r;
    r.status = outcome[i].ok() ? commit : outcome[i];
    if (r.status.ok()) r.events = std::move(group[i].events);
    answers.push_back([done = std::move(group[i].done), r = std::move(r)]() mutable { done(std::move(r)); });
  }
  completions_.Post(std::move(answers));
}

void PgLog::AdvanceHead(const LogHead& head) {
  {
    std::lock_guard lock(head_mu_);
    // A head read on another connection may be older than one this node committed since.
    if (head.seq <= head_.seq) return;
    head_ = head;
  }
  waiters_.Fire(head.seq);
}

void PgLog::RefreshHead(PgConnection& conn) {
  PgRun run = conn.Run(kReadHeadSql, After(options_.op_timeout));
  if (!run.ok()) return;
  if (auto head = ParseHead(run.results[0]); head.ok()) AdvanceHead(*head);
}

void PgLog::ListenerLoop() {
  std::unique_ptr<PgConnection> conn;
  auto last_attempt = std::chrono::steady_clock::time_point{};
  while (!listener_stopping_) {
    if (!conn || !conn->usable()) {
      conn.reset();
      auto now = std::chrono::steady_clock::now();
      if (now - last_attempt >= options_.reconnect_interval) {
        last_attempt = now;
        auto made = PgConnection::Connect(options_.conninfo, After(options_.connect_timeout),
                                          {std::string("LISTEN ") + kChannel});
        if (made.ok()) {
          conn = std::move(*made);
          RefreshHead(*conn);  // whatever was committed while not listening
          continue;
        }
      }
      pollfd p{wake_fd_, POLLIN, 0};
      ::poll(&p, 1, static_cast<int>(options_.reconnect_interval.count()));
      continue;
    }
    pollfd fds[2] = {{conn->socket(), POLLIN, 0}, {wake_fd_, POLLIN, 0}};
    int n = ::poll(fds, 2, static_cast<int>(options_.poll_interval.count()));
    if (listener_stopping_) break;
    bool refresh = n == 0;  // the fallback: read the head every poll interval
    if (n > 0 && (fds[0].revents & (POLLIN | POLLERR | POLLHUP))) {
      std::vector<std::string> payloads;
      if (!conn->DrainNotifications(&payloads)) continue;
      uint64_t newest = 0;
      for (const std::string& p : payloads) newest = std::max<uint64_t>(newest, std::strtoull(p.c_str(), nullptr, 10));
      refresh = newest > HeadSeq();  // this node's own commits are known already
    }
    if (refresh) RefreshHead(*conn);
  }
}

Status PgLog::Read(uint64_t after_seq, size_t limit, std::vector<Event>* out) const {
  auto limit_param = static_cast<int64_t>(std::min<size_t>(limit, INT64_MAX));
  auto run = reads_.Run({PgQuery{"SELECT body FROM keyledger_events WHERE seq > $1 ORDER BY seq LIMIT $2",
                                 {PgParam::Int(static_cast<int64_t>(after_seq)), PgParam::Int(limit_param)},
                                 /*binary_result=*/true}},
                        After(options_.read_timeout));
  if (!run.ok()) return run.status();
  if (!run->ok()) return Unavailable("reading it failed: " + run->error);
  const PgResult& rows = run->results[0];
  out->reserve(out->size() + rows.rows());
  uint64_t expect = after_seq + 1;
  for (int r = 0; r < rows.rows(); ++r, ++expect) {
    auto ev = events::Decode(rows.Value(r, 0));
    if (!ev.ok())
      return Status(Code::kInternal,
                    "event after seq " + std::to_string(expect - 1) + " does not decode: " + ev.status().message());
    if (ev->seq != expect) return Status(Code::kInternal, "the log has no event at seq " + std::to_string(expect));
    out->push_back(std::move(*ev));
  }
  return Status::Ok();
}

Status PgLog::ReadStream(const std::string& stream, uint64_t after_version, size_t limit,
                         std::vector<Event>* out) const {
  auto limit_param = static_cast<int64_t>(std::min<size_t>(limit, INT64_MAX));
  auto run = reads_.Run(
      {PgQuery{"SELECT body FROM keyledger_events WHERE stream = $1 AND stream_version > $2 "
               "ORDER BY stream_version LIMIT $3",
               {PgParam::Text(stream), PgParam::Int(static_cast<int64_t>(after_version)), PgParam::Int(limit_param)},
               /*binary_result=*/true}},
      After(options_.read_timeout));
  if (!run.ok()) return run.status();
  if (!run->ok()) return Unavailable("reading it failed: " + run->error);
  const PgResult& rows = run->results[0];
  for (int r = 0; r < rows.rows(); ++r) {
    auto ev = events::Decode(rows.Value(r, 0));
    if (!ev.ok()) return ev.status();
    out->push_back(std::move(*ev));
  }
  return Status::Ok();
}

uint64_t PgLog::HeadSeq() const {
  std::lock_guard lock(head_mu_);
  return head_.seq;
}
LogHead PgLog::Head() const {
  std::lock_guard lock(head_mu_);
  return head_;
}
LogStats PgLog::Stats() const {
  std::lock_guard lock(head_mu_);
  return stats_;
}

void PgLog::NotifyAfter(uint64_t after_seq, std::chrono::steady_clock::time_point deadline,
                        std::function<void(uint64_t)> ready) {
  waiters_.Add(after_seq, deadline, std::move(ready));
}

}  // namespace kl::storage
