// `keyledger verify --log URI`: both hash chains over the cluster log in PostgreSQL, each row's
// columns against its event's own encoding, the head and org-head rows against the chains, and
// fold(log) into scratch projections: all in one snapshot (a REPEATABLE READ transaction), so
// nodes may keep appending meanwhile.
#include <unistd.h>

#include <cstdio>
#include <filesystem>

#include "app/chain_check.h"
#include "app/ledger_tools.h"
#include "app/pg_log_rows.h"
#include "domain/crypto.h"
#include "events/codec.h"
#include "projections/digest.h"
#include "projections/projector.h"

namespace kl::app {

namespace {
constexpr size_t kBatch = 5000;

std::string AsBytes(const Hash32& h) { return std::string(reinterpret_cast<const char*>(h.data()), h.size()); }

// The snapshot's rows as an EventLog, for the Projector's CatchUp.
class SnapshotLog final : public storage::EventLog {
 public:
  explicit SnapshotLog(storage::PgConnection& conn, uint64_t head) : conn_(conn), head_(head) {}
  void Append(std::vector<Event>, bool, storage::AppendCallback done) override {
    done({Status(Code::kInternal, "verify does not append"), {}});
  }
  Status Read(uint64_t after_seq, size_t limit, std::vector<Event>* out) const override {
    std::vector<PgLogRow> rows;
    if (Status s = ReadPgLogRows(conn_, after_seq, std::min(limit, kBatch), &rows); !s.ok()) return s;
    for (const PgLogRow& row : rows) {
      auto ev = events::Decode(row.body);
      if (!ev.ok()) return ev.status();
      out->push_back(std::move(*ev));
    }
    return Status::Ok();
  }
  Status ReadStream(const std::string&, uint64_t, size_t, std::vector<Event>*) const override {
    return Status(Code::kInternal, "not used by a fold");
  }
  uint64_t HeadSeq() const override { return head_; }
  storage::LogHead Head() const override { return {head_, {}, 0}; }
  storage::LogStats Stats() const override { return {}; }
  void NotifyAfter(uint64_t, std::chrono::steady_clock::time_point, std::function<void(uint64_t)> ready) override {
    ready(head_);
  }

 private:
  storage::PgConnection& conn_;
  uint64_t head_;
};

// Why a row's columns disagree with its event, or nothing.
std::optional<std::string> ColumnsDisagree(const PgLogRow& row, const Event& ev) {
  if (row.stream != ev.Stream() || row.stream_version != ev.stream_version)
    return "the stream columns disagree with the event";
  if (row.org_id != ev.org_id) return "org_id disagrees with the event";
  if (row.recorded_at != ev.recorded_at) return "recorded_at disagrees with the event";
  if (row.hash != AsBytes(ev.hash) || row.org_hash != AsBytes(ev.org_hash))
    return "the hash columns disagree with the event";
  return std::nullopt;
}

int Fail(uint64_t seq, const std::string& why) {
  std::fprintf(stderr, "verify: FAILED at seq %llu: %s\n", static_cast<unsigned long long>(seq), why.c_str());
  return 1;
}

// Pass 1: the chains and the columns. Returns an exit code, 0 when intact.
int CheckChains(storage::PgConnection& conn, ChainCheck& chain) {
  std::vector<PgLogRow> rows;
  for (;;) {
    if (Status s = ReadPgLogRows(conn, chain.count(), kBatch, &rows); !s.ok()) return Fail(chain.count() + 1, s.message());
    if (rows.empty()) return 0;
    for (const PgLogRow& row : rows) {
      auto ev = events::Decode(row.body);
      if (!ev.ok()) return Fail(row.seq, "does not decode: " + ev.status().message());
      if (auto why = chain.Add(row.seq, *ev)) return Fail(row.seq, *why);
      if (auto why = ColumnsDisagree(row, *ev)) return Fail(row.seq, *why);
    }
  }
}

// The head row and every org's head row must be where the chains end.
int CheckHeads(storage::PgConnection& conn, const ChainCheck& chain) {
  storage::PgRun run = conn.Run(
      {storage::PgQuery{"SELECT seq, encode(hash, 'hex') FROM keyledger_head WHERE id = 1"},
       storage::PgQuery{"SELECT org_id, seq, encode(hash, 'hex') FROM keyledger_org_heads"}},
      ToolDeadline());
  if (!run.ok()) return Fail(chain.count(), "reading the head rows: " + run.error);
  const auto& head = run.results[0];
  if (head.rows() != 1 || static_cast<uint64_t>(head.Int(0, 0)) != chain.count() ||
      head.Value(0, 1) != ToHex(chain.head()))
    return Fail(chain.count(), "keyledger_head does not name the last event and its hash");
  const auto& orgs = run.results[1];
  if (static_cast<size_t>(orgs.rows()) != chain.org_heads().size())
    return Fail(chain.count(), "keyledger_org_heads does not have one row per org of the log");
  for (int i = 0; i < orgs.rows(); ++i) {
    auto it = chain.org_heads().find(std::string(orgs.Value(i, 0)));
    if (it == chain.org_heads().end() || it->second.first != static_cast<uint64_t>(orgs.Int(i, 1)) ||
        ToHex(it->second.second) != orgs.Value(i, 2))
      return Fail(chain.count(), "keyledger_org_heads disagrees with org " + std::string(orgs.Value(i, 0)) + "'s chain");
  }
  return 0;
}

// Pass 2: fold(log) into scratch projections; its digest, or empty after printing why not.
std::string FoldDigest(storage::PgConnection& conn, uint64_t head) {
  std::string scratch_dir =
      std::filesystem::temp_directory_path() / ("keyledger-verify-" + std::to_string(::getpid()));
  std::filesystem::remove_all(scratch_dir);
  std::string digest;
  {
    auto scratch = storage::Database::Open(scratch_dir, projections::ColumnFamilies());
    if (!scratch.ok()) {
      Fail(0, scratch.status().message());
      return "";
    }
    projections::Projector projector(scratch->get());
    SnapshotLog log(conn, head);
    auto folded = projector.CatchUp(log);
    if (!folded.ok()) {
      Fail(projector.Checkpoint() + 1, "cannot be folded: " + folded.status().message());
    } else {
      digest = projections::ProjectionDigest(**scratch);
    }
  }
  std::filesystem::remove_all(scratch_dir);
  return digest;
}
}  // namespace

int RunVerifyClusterLog(const std::string& log_uri) {
  auto conn = ConnectToClusterLog(log_uri, /*must_exist=*/true);
  if (!conn.ok()) {
    std::fprintf(stderr, "verify: %s\n", conn.status().message().c_str());
    return 1;
  }
  storage::PgConnection& c = **conn;
  if (storage::PgRun run = c.Run("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY", ToolDeadline()); !run.ok())
    return Fail(0, "PostgreSQL: " + run.error);
  ChainCheck chain;
  if (int rc = CheckChains(c, chain); rc != 0) return rc;
  if (int rc = CheckHeads(c, chain); rc != 0) return rc;
  std::string digest = FoldDigest(c, chain.count());
  if (digest.empty()) return 1;
  (void)c.Run("COMMIT", ToolDeadline());
  std::printf("verify: OK: %llu events in the cluster log, both hash chains intact, head %s, "
              "the head rows agree, fold(log) digest %s\n",
              static_cast<unsigned long long>(chain.count()), ToHex(chain.head()).c_str(), digest.c_str());
  return 0;
}

}  // namespace kl::app
