#include "storage/rocks_log.h"

#include <algorithm>
#include <optional>

#include <pthread.h>

#include <rocksdb/utilities/write_batch_with_index.h>
#include <spdlog/spdlog.h>

#include "domain/time.h"
#include "events/chain.h"
#include "events/codec.h"
#include "storage/tree_store.h"

namespace kl::storage {

namespace {
std::string StreamKey(const std::string& stream, uint64_t version) {
  std::string k = stream;
  k.push_back('\0');
  k += EncodeBE64(version);
  return k;
}
constexpr size_t kMaxGroup = 1024;

// The value of `name` as a group sees it: the group's own overlay, else the writer's cache, else
// `load` from the database (the cache keeps what it loads).
template <typename Value, typename Load>
Result<Value> ThroughCache(const std::unordered_map<std::string, Value>& overlay,
                           std::unordered_map<std::string, Value>& cache, const std::string& name, Load load) {
  if (auto it = overlay.find(name); it != overlay.end()) return it->second;
  auto it = cache.find(name);
  if (it == cache.end()) {
    Result<Value> loaded = load(name);
    if (!loaded.ok()) return loaded;
    it = cache.emplace(name, *loaded).first;
  }
  return it->second;
}
}  // namespace

RocksLog::RocksLog(Database* db, BatchFolder* folder)
    : db_(db),
      folder_(folder),
      log_cf_(db->cf(kLogCf)),
      streams_cf_(db->cf(kStreamsCf)),
      org_heads_cf_(db->cf(kOrgHeadsCf)),
      tree_cf_(db->cf(kTreeCf)) {}

Result<std::unique_ptr<RocksLog>> RocksLog::Open(Database* db, BatchFolder* folder) {
  auto log = std::unique_ptr<RocksLog>(new RocksLog(db, folder));
  std::unique_ptr<rocksdb::Iterator> it(db->db()->NewIterator(rocksdb::ReadOptions(), log->log_cf_));
  it->SeekToLast();
  if (it->Valid()) {
    auto ev = events::Decode(std::string_view(it->value().data(), it->value().size()));
    if (!ev.ok()) return Status(Code::kInternal, "the last log entry does not decode: " + ev.status().message());
    if (ev->seq != DecodeBE64(it->key()))
      return Status(Code::kInternal, "the last log entry's seq does not match its key");
    log->head_seq_ = ev->seq;
    log->head_hash_ = ev->hash;
    log->head_recorded_at_ = ev->recorded_at;
  } else if (!it->status().ok()) {
    return FromRocks(it->status(), "read log head");
  }
  Result<uint64_t> tree_size = ReadTreeSize(db->db(), log->tree_cf_);
  if (!tree_size.ok()) return tree_size.status();
  if (*tree_size > log->head_seq_)
    return Status(Code::kInternal, "the Merkle tree holds more events than the log (" + std::to_string(*tree_size) +
                                       " > " + std::to_string(log->head_seq_) + ")");
  if (Status caught = log->CatchUpTree(*tree_size); !caught.ok()) return caught;
  // Named for top and perf.
  log->writer_ = std::thread([l = log.get()] {
    pthread_setname_np(pthread_self(), "kl-log-writer");
    l->WriterLoop();
  });
  log->timer_ = std::thread([l = log.get()] {
    pthread_setname_np(pthread_self(), "kl-log-timer");
    l->TimerLoop();
  });
  return log;
}

RocksLog::~RocksLog() { Stop(); }

void RocksLog::Stop() {
  {
    std::lock_guard lock(queue_mu_);
    stopping_ = true;
  }
  queue_cv_.notify_all();
  if (writer_.joinable()) writer_.join();
  completions_.Stop();  // every append the writer took is answered
  {
    std::lock_guard lock(waiters_mu_);
    timer_stopping_ = true;
  }
  waiters_cv_.notify_all();
  if (timer_.joinable()) timer_.join();
}

void RocksLog::Append(std::vector<Event> events, bool durable, AppendCallback done) {
  // Rendered here, on the appender's thread: the writer only fills in seq and recorded_at.
  std::vector<events::CanonicalTemplate> canonical;
  canonical.reserve(events.size());
  for (const Event& e : events) canonical.push_back(events::MakeCanonicalTemplate(e));
  AppendDeadline deadline = CurrentAppendDeadline();
  bool queued = false;
  bool wake_timer = false;
  {
    std::lock_guard lock(queue_mu_);
    if (!stopping_) {
      queue_.push_back(Pending{std::move(events), std::move(canonical), durable, std::move(done), deadline});
      wake_timer = deadline != kNoAppendDeadline && queued_with_deadline_++ == 0;
      queue_cv_.notify_one();
      queued = true;
    }
  }
  if (wake_timer) {
    // The timer sweeps expired appends while any wait. Taken after queue_mu_ is released: the
    // timer takes queue_mu_ while holding waiters_mu_.
    std::lock_guard timer_lock(waiters_mu_);
    waiters_cv_.notify_all();
  }
  if (queued) return;
  done(AppendResult{Status(Code::kUnavailable, "the log is shutting down"), {}});
}

void RocksLog::WriterLoop() {
  for (;;) {
    std::deque<Pending> group;
    {
      std::unique_lock lock(queue_mu_);
      queue_cv_.wait(lock, [&] { return stopping_ || !queue_.empty(); });
      if (queue_.empty()) return;  // stopping and drained
      // From here an append is in a group: its deadline no longer applies (append_deadline.h).
      RefuseExpiredLocked(std::chrono::steady_clock::now());
      while (!queue_.empty() && group.size() < kMaxGroup) {
        if (queue_.front().deadline != kNoAppendDeadline) --queued_with_deadline_;
        group.push_back(std::move(queue_.front()));
        queue_.pop_front();
      }
    }
    if (!group.empty()) WriteGroup(group);
  }
}

void RocksLog::RefuseExpiredLocked(std::chrono::steady_clock::time_point now) {
  if (queued_with_deadline_ == 0) return;
  std::vector<Completions::Task> answers;
  auto expired = [now](const Pending& p) { return p.deadline != kNoAppendDeadline && p.deadline <= now; };
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
  queued_with_deadline_ -= answers.size();
  {
    std::lock_guard lock(head_mu_);
    stats_.expired_appends += answers.size();
  }
  completions_.Post(std::move(answers));
}

void RocksLog::ObserveCommit(std::chrono::steady_clock::duration took, size_t appends) {
  double seconds = std::chrono::duration<double>(took).count();
  bool slow = took >= std::chrono::milliseconds(slow_commit_ms_.load());
  {
    std::lock_guard lock(head_mu_);
    stats_.commit_seconds += seconds;
    stats_.longest_commit_seconds = std::max(stats_.longest_commit_seconds, seconds);
    if (slow) stats_.slow_commits++;
  }
  if (slow)
    spdlog::warn("a commit of {} appends waited {:.0f} ms for the database (a write stall or a slow disk; "
                 "see keyledger_write_stall_seconds_total)",
                 appends, seconds * 1000);
}

Result<uint64_t> RocksLog::LoadStreamVersion(const std::string& stream) const {
  // Most streams the writer has not seen are new ones (a key being created). Versions start at 1
  // and have no gaps, so a point lookup of version 1 (bloom filters, no iterator over every level)
  // settles those; only a stream that exists needs the seek to its last version.
  std::string first;
  rocksdb::Status got = db_->db()->Get(rocksdb::ReadOptions(), streams_cf_, StreamKey(stream, 1), &first);
  if (got.IsNotFound()) return uint64_t{0};
  if (!got.ok()) return FromRocks(got, "read the stream index");
  std::unique_ptr<rocksdb::Iterator> it(db_->db()->NewIterator(rocksdb::ReadOptions(), streams_cf_));
  std::string probe = StreamKey(stream, UINT64_MAX);
  it->SeekForPrev(probe);
  if (!it->status().ok()) return FromRocks(it->status(), "read the stream index");
  if (!it->Valid()) return Status(Code::kInternal, "the stream index has version 1 of a stream but no last version");
  rocksdb::Slice k = it->key();
  if (k.size() != stream.size() + 9 || std::memcmp(k.data(), stream.data(), stream.size()) != 0 ||
      k[stream.size()] != '\0')
    return Status(Code::kInternal, "the stream index has version 1 of a stream but no last version");
  return DecodeBE64(rocksdb::Slice(k.data() + stream.size() + 1, 8));
}

Result<Hash32> RocksLog::LoadOrgHead(const std::string& org_id) const {
  Hash32 h{};
  std::string v;
  rocksdb::Status got = db_->db()->Get(rocksdb::ReadOptions(), org_heads_cf_, org_id, &v);
  if (got.IsNotFound()) return h;
  if (!got.ok()) return FromRocks(got, "read the org chain heads");
  if (v.size() != 32) return Status(Code::kInternal, "an org chain head is not 32 bytes");
  std::copy(v.begin(), v.end(), h.begin());
  return h;
}

bool RocksLog::Writable() {
  if (!degraded_) return true;
  auto now = std::chrono::steady_clock::now();
  if (now - last_resume_attempt_ < kResumeInterval) return false;
  last_resume_attempt_ = now;
  // Resume flushes what the memtables hold and clears RocksDB's background error; it fails as
  // long as the cause (no space, a failing disk) is still there.
  rocksdb::Status s = db_->db()->Resume();
  if (!s.ok()) {
    spdlog::debug("the log cannot resume yet: {}", s.ToString());
    return false;
  }
  degraded_ = false;
  spdlog::warn("the log is writable again");
  return true;
}

// The state of one group while it is staged: the batch, the overlays of what the group changes
// (applied to the caches only once the batch is durable), and the head it would leave behind.
struct RocksLog::GroupDraft {
  explicit GroupDraft(size_t size)
      : batch(rocksdb::BytewiseComparator(), 0, /*overwrite_key=*/true), outcome(size) {}
  rocksdb::WriteBatchWithIndex batch;
  std::unordered_map<std::string, uint64_t> versions;
  std::unordered_map<std::string, Hash32> org_heads;
  uint64_t seq = 0;
  Hash32 hash{};
  Millis now = 0;
  merkle::CompactRange tree;    // the tree after the group's staged events
  std::vector<Status> outcome;  // one per append in the group
  bool any_durable = false;
  size_t accepted = 0;
};

void RocksLog::WriteGroup(std::deque<Pending>& group) {
  if (!Writable()) {
    RefuseGroup(group);
    return;
  }
  GroupDraft draft = BeginGroup(group.size());
  for (size_t i = 0; i < group.size(); ++i) {
    draft.outcome[i] = StageAppend(draft, group[i]);
    if (!draft.outcome[i].ok()) continue;
    draft.any_durable |= group[i].durable;
    ++draft.accepted;
  }
  Status write_status;
  if (draft.accepted > 0) write_status = CommitBatch(draft);
  bool published = draft.accepted > 0 && write_status.ok();
  if (published) Publish(draft, group);
  AnswerGroup(group, draft.outcome, write_status);
  if (published) FireWaiters(draft.seq);
}

void RocksLog::RefuseGroup(std::deque<Pending>& group) {
  std::vector<Completions::Task> answers;
  for (Pending& p : group)
    answers.push_back([done = std::move(p.done)] {
      done(AppendResult{Status(Code::kUnavailable, "the change could not be made durable; retry later"), {}});
    });
  completions_.Post(std::move(answers));
}

RocksLog::GroupDraft RocksLog::BeginGroup(size_t size) {
  GroupDraft draft(size);
  Millis last_recorded;
  {
    std::lock_guard lock(head_mu_);
    draft.seq = head_seq_;
    draft.hash = head_hash_;
    last_recorded = head_recorded_at_;
  }
  draft.tree = tree_;
  draft.now = std::max(NowMillis(), last_recorded);  // recorded_at never goes backwards
  if (stream_versions_.size() > kMaxCached) stream_versions_.clear();
  if (org_heads_.size() > kMaxCached) org_heads_.clear();
  return draft;
}

Result<uint64_t> RocksLog::StreamVersionIn(GroupDraft& draft, const std::string& stream) {
  return ThroughCache(draft.versions, stream_versions_, stream,
                      [this](const std::string& s) { return LoadStreamVersion(s); });
}

Result<Hash32> RocksLog::OrgHeadIn(GroupDraft& draft, const std::string& org) {
  return ThroughCache(draft.org_heads, org_heads_, org, [this](const std::string& o) { return LoadOrgHead(o); });
}

Status RocksLog::CheckExpectations(GroupDraft& draft, const Pending& p) {
  std::unordered_map<std::string, uint64_t> expect;
  bool conflict = false;
  for (const Event& e : p.events) {
    std::string stream = e.Stream();
    uint64_t current;
    if (auto it = expect.find(stream); it != expect.end()) {
      current = it->second;
    } else {
      Result<uint64_t> v = StreamVersionIn(draft, stream);
      if (!v.ok()) {
        spdlog::error("append refused, the stream index could not be read: {}", v.status().message());
        return Status(Code::kUnavailable, "the log could not be read; retry later");
      }
      current = *v;
    }
    if (e.stream_version != current + 1) conflict = true;
    expect[stream] = e.stream_version;
  }
  if (conflict) return Status(Code::kConflict, "the resource was changed by a concurrent request; retry");
  return Status();
}

Status RocksLog::StageAppend(GroupDraft& draft, Pending& p) {
  // Expectations first: nothing of a conflicting append reaches the batch.
  if (Status expected = CheckExpectations(draft, p); !expected.ok()) return expected;
  // What this append changes in the group's overlays, to undo it if its fold fails. (Copying
  // the overlays instead made every group quadratic in its size.)
  AppendUndo undo{draft.seq, draft.hash, {}, {}, draft.tree};
  draft.batch.SetSavePoint();
  Status st;
  for (size_t k = 0; k < p.events.size() && st.ok(); ++k) st = SealEvent(draft, p.events[k], p.canonical[k], undo);
  if (!st.ok()) {
    RollBack(draft, undo);
    spdlog::error("append refused, it could not be sealed or folded: {}", st.message());
    return Status(Code::kInternal, "could not apply the change");
  }
  draft.batch.PopSavePoint();
  return Status();
}

Status RocksLog::SealEvent(GroupDraft& draft, Event& e, const events::CanonicalTemplate& canonical,
                           AppendUndo& undo) {
  e.seq = ++draft.seq;
  e.recorded_at = draft.now;
  Result<Hash32> org_prev = OrgHeadIn(draft, e.org_id);
  if (!org_prev.ok()) return org_prev.status();
  std::string c = events::CanonicalBytes(e, canonical);
  events::SealCanonical(e, c, draft.hash, *org_prev);
  draft.hash = e.hash;
  // The event's leaf, and every subtree it completes, in the batch that holds the event.
  draft.tree.Append(merkle::LeafHash(c), [&](merkle::NodeId id, const Hash32& h) {
    PutTreeNode(Unindexed(draft.batch), tree_cf_, id, h);
  });
  {
    auto [it, fresh] = draft.org_heads.try_emplace(e.org_id, e.org_hash);
    undo.org_heads.emplace_back(e.org_id, fresh ? std::nullopt : std::optional<Hash32>(it->second));
    it->second = e.org_hash;
  }
  {
    auto [it, fresh] = draft.versions.try_emplace(e.Stream(), e.stream_version);
    undo.versions.emplace_back(it->first, fresh ? std::nullopt : std::optional<uint64_t>(it->second));
    it->second = e.stream_version;
  }
  Unindexed(draft.batch).Put(log_cf_, EncodeBE64(e.seq), events::Encode(e));
  Unindexed(draft.batch).Put(streams_cf_, StreamKey(e.Stream(), e.stream_version), EncodeBE64(e.seq));
  if (folder_) return folder_->Fold(e, draft.batch);
  return Status();
}

void RocksLog::RollBack(GroupDraft& draft, const AppendUndo& undo) {
  draft.batch.RollbackToSavePoint();
  for (auto u = undo.versions.rbegin(); u != undo.versions.rend(); ++u)
    if (u->second) draft.versions[u->first] = *u->second;
    else draft.versions.erase(u->first);
  for (auto u = undo.org_heads.rbegin(); u != undo.org_heads.rend(); ++u)
    if (u->second) draft.org_heads[u->first] = *u->second;
    else draft.org_heads.erase(u->first);
  draft.seq = undo.seq;
  draft.hash = undo.hash;
  draft.tree = undo.tree;
}

Status RocksLog::CommitBatch(GroupDraft& draft) {
  // Once per group: each org's head after the group, and the folder's checkpoint.
  for (const auto& [org, head] : draft.org_heads)
    Unindexed(draft.batch)
        .Put(org_heads_cf_, org, std::string(reinterpret_cast<const char*>(head.data()), head.size()));
  PutTreeSize(Unindexed(draft.batch), tree_cf_, draft.tree.size);
  if (folder_) folder_->RecordCheckpoint(draft.seq, draft.batch);
  rocksdb::WriteOptions wo;
  wo.sync = draft.any_durable;
  auto write_started = std::chrono::steady_clock::now();
  rocksdb::Status s = db_->db()->Write(wo, draft.batch.GetWriteBatch());
  ObserveCommit(std::chrono::steady_clock::now() - write_started, draft.accepted);
  if (s.ok()) return Status();
  degraded_ = true;
  last_resume_attempt_ = std::chrono::steady_clock::now();
  spdlog::error("log append failed, appends are refused until it can write again: {}", s.ToString());
  return Status(Code::kUnavailable, "the change could not be made durable; retry later");
}

void RocksLog::Publish(GroupDraft& draft, const std::deque<Pending>& group) {
  for (auto& [k, v] : draft.versions) stream_versions_[k] = v;
  for (auto& [k, v] : draft.org_heads) org_heads_[k] = v;
  tree_ = std::move(draft.tree);
  Hash32 root = tree_.Root();
  {
    std::lock_guard lock(head_mu_);
    head_seq_ = draft.seq;
    head_hash_ = draft.hash;
    head_recorded_at_ = draft.now;
    tree_root_ = root;
    stats_.batches++;
    stats_.batched_appends += draft.accepted;
    size_t bucket = 0;
    while (bucket + 1 < kBatchSizeBuckets && (size_t{1} << bucket) < draft.accepted) ++bucket;
    stats_.batch_sizes[bucket]++;
    for (size_t i = 0; i < group.size(); ++i)
      if (draft.outcome[i].ok())
        for (const Event& e : group[i].events) stats_.appended_by_type[e.data.index()]++;
  }
  if (folder_) {
    std::vector<const Event*> committed;
    for (size_t i = 0; i < group.size(); ++i)
      if (draft.outcome[i].ok())
        for (const Event& e : group[i].events) committed.push_back(&e);
    folder_->Committed(committed);
  }
}

void RocksLog::AnswerGroup(std::deque<Pending>& group, const std::vector<Status>& outcome,
                           const Status& write_status) {
  // Answered on the completions thread, in commit order: the writer goes on to the next group.
  // Reads already see this group (Publish) by the time any caller hears of it.
  std::vector<Completions::Task> answers;
  answers.reserve(group.size());
  for (size_t i = 0; i < group.size(); ++i) {
    AppendResult r;
    r.status = outcome[i].ok() ? write_status : outcome[i];
    if (r.status.ok()) r.events = std::move(group[i].events);
    answers.push_back([done = std::move(group[i].done), r = std::move(r)]() mutable { done(std::move(r)); });
  }
  completions_.Post(std::move(answers));
}

namespace {
// Decodes the log's events with seq > after_seq (at most `limit`) into (*out)[first...], reusing
// the events already there, and resizes *out to end with the last one read.
Status ReadLogInto(rocksdb::DB* db, rocksdb::ColumnFamilyHandle* log_cf, uint64_t after_seq, size_t limit,
                   std::vector<Event>* out, size_t first) {
  // Range reads of the log go through it in order (replay, catch-up, the feed, exports, webhook
  // tails), at most re-reading a block at a page's edge: caching their blocks cost a replay a
  // fifth of its reading, and evicted the projections' hot blocks.
  rocksdb::ReadOptions ro;
  ro.fill_cache = false;
  std::unique_ptr<rocksdb::Iterator> it(db->NewIterator(ro, log_cf));
  out->reserve(first + std::min<size_t>(limit, 8192));  // events are big: no regrowth moves
  size_t n = first;
  for (it->Seek(EncodeBE64(after_seq + 1)); it->Valid() && n - first < limit; it->Next()) {
    if (n == out->size()) out->emplace_back();
    Status s = events::DecodeInto(std::string_view(it->value().data(), it->value().size()), &(*out)[n]);
    if (!s.ok()) {
      out->resize(n);
      return Status(Code::kInternal,
                    "event at seq " + std::to_string(DecodeBE64(it->key())) + " does not decode: " + s.message());
    }
    ++n;
  }
  out->resize(n);
  return FromRocks(it->status(), "read log");
}
}  // namespace

Status RocksLog::Read(uint64_t after_seq, size_t limit, std::vector<Event>* out) const {
  return ReadLogInto(db_->db(), log_cf_, after_seq, limit, out, out->size());
}

Status RocksLog::ReadReplacing(uint64_t after_seq, size_t limit, std::vector<Event>* out) const {
  return ReadLogInto(db_->db(), log_cf_, after_seq, limit, out, 0);
}

Status RocksLog::ReadStream(const std::string& stream, uint64_t after_version, size_t limit,
                            std::vector<Event>* out) const {
  std::unique_ptr<rocksdb::Iterator> it(db_->db()->NewIterator(rocksdb::ReadOptions(), streams_cf_));
  std::string prefix = stream + '\0';
  for (it->Seek(StreamKey(stream, after_version + 1)); it->Valid() && out->size() < limit; it->Next()) {
    if (!it->key().starts_with(prefix) || it->key().size() != prefix.size() + 8) break;
    std::string value;
    rocksdb::Status s = db_->db()->Get(rocksdb::ReadOptions(), log_cf_, it->value(), &value);
    if (!s.ok()) return Status(Code::kInternal, "stream index points at a missing event: " + s.ToString());
    auto ev = events::Decode(value);
    if (!ev.ok()) return ev.status();
    out->push_back(std::move(ev.value()));
  }
  return FromRocks(it->status(), "read stream");
}

TreeHead RocksLog::Tree() const {
  std::lock_guard lock(head_mu_);
  return TreeHead{head_seq_, tree_root_};
}

Result<Hash32> RocksLog::TreeNode(merkle::NodeId id) const { return ReadTreeNode(db_->db(), tree_cf_, id); }

Status RocksLog::CatchUpTree(uint64_t tree_size) {
  if (tree_size < head_seq_)
    spdlog::warn("the log's Merkle tree holds {} of {} events: adding the rest once (docs/audit.md)", tree_size,
                 head_seq_);
  Result<merkle::CompactRange> range = LoadCompactRange(db_->db(), tree_cf_, tree_size);
  if (!range.ok()) return range.status();
  std::vector<Event> page;
  while (range->size < head_seq_) {
    if (Status read = ReadReplacing(range->size, 4096, &page); !read.ok()) return read;
    if (page.empty() || page.front().seq != range->size + 1)
      return Status(Code::kInternal, "the log has a gap after seq " + std::to_string(range->size));
    rocksdb::WriteBatch batch;
    for (const Event& e : page)
      range->Append(merkle::LeafHash(events::CanonicalBytes(e)),
                    [&](merkle::NodeId id, const Hash32& h) { PutTreeNode(batch, tree_cf_, id, h); });
    PutTreeSize(batch, tree_cf_, range->size);
    rocksdb::WriteOptions wo;
    wo.sync = range->size == head_seq_;
    if (Status wrote = FromRocks(db_->db()->Write(wo, &batch), "write the Merkle tree"); !wrote.ok()) return wrote;
  }
  tree_ = std::move(*range);
  tree_root_ = tree_.Root();
  return Status();
}

uint64_t RocksLog::HeadSeq() const {
  std::lock_guard lock(head_mu_);
  return head_seq_;
}
LogHead RocksLog::Head() const {
  std::lock_guard lock(head_mu_);
  return LogHead{head_seq_, head_hash_, head_recorded_at_};
}
LogStats RocksLog::Stats() const {
  LogStats stats;
  {
    std::lock_guard lock(head_mu_);
    stats = stats_;
  }
  stats.write_stall_seconds = db_->WriteStallSeconds();
  return stats;
}

void RocksLog::NotifyAfter(uint64_t after_seq, std::chrono::steady_clock::time_point deadline,
                           std::function<void(uint64_t)> ready) {
  uint64_t head = HeadSeq();
  if (head > after_seq) return ready(head);
  {
    std::lock_guard lock(waiters_mu_);
    if (!timer_stopping_) {
      waiters_.emplace(deadline, Waiter{after_seq, std::move(ready)});
      waiters_cv_.notify_all();
      return;
    }
  }
  ready(head);
}

void RocksLog::FireWaiters(uint64_t head) {
  std::vector<std::function<void(uint64_t)>> due;
  {
    std::lock_guard lock(waiters_mu_);
    for (auto it = waiters_.begin(); it != waiters_.end();) {
      if (it->second.after_seq < head) {
        due.push_back(std::move(it->second.ready));
        it = waiters_.erase(it);
      } else {
        ++it;
      }
    }
  }
  for (auto& f : due) f(head);
}

void RocksLog::TimerLoop() {
  // While appends with a deadline wait in the queue (the writer is busy with a long commit), the
  // expired ones are refused this often, rather than when the writer next forms a group.
  constexpr auto kDeadlineSweep = std::chrono::milliseconds(20);
  std::unique_lock lock(waiters_mu_);
  for (;;) {
    if (timer_stopping_) break;
    bool deadlines_queued;
    {
      std::lock_guard queue_lock(queue_mu_);
      RefuseExpiredLocked(std::chrono::steady_clock::now());
      deadlines_queued = queued_with_deadline_ > 0;
    }
    auto now = std::chrono::steady_clock::now();
    auto wake = deadlines_queued ? now + kDeadlineSweep : std::chrono::steady_clock::time_point::max();
    if (waiters_.empty()) {
      if (deadlines_queued) waiters_cv_.wait_until(lock, wake);
      else waiters_cv_.wait(lock);
      continue;
    }
    auto next = waiters_.begin()->first;
    if (now < next) {
      waiters_cv_.wait_until(lock, std::min(next, wake));
      continue;
    }
    auto f = std::move(waiters_.begin()->second.ready);
    waiters_.erase(waiters_.begin());
    lock.unlock();
    f(HeadSeq());
    lock.lock();
  }
  // Answer everyone still parked, so no request hangs through shutdown.
  auto rest = std::move(waiters_);
  lock.unlock();
  for (auto& [t, w] : rest) w.ready(HeadSeq());
}

}  // namespace kl::storage
