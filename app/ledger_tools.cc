#include "app/ledger_tools.h"

#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <unordered_map>

#include "domain/crypto.h"
#include "app/chain_check.h"
#include "app/pg_log_rows.h"
#include "app/signing_key.h"
#include "domain/command.h"
#include "domain/ids.h"
#include "domain/time.h"
#include "events/chain.h"
#include "exports/exporter.h"
#include "exports/verify.h"
#include "events/codec.h"
#include "projections/digest.h"
#include "projections/projector.h"
#include "storage/pg_log.h"
#include "storage/rocks_log.h"

namespace kl::app {

namespace {

struct Opened {
  std::unique_ptr<storage::Database> db;
  std::unique_ptr<storage::RocksLog> log;
};

Result<Opened> OpenExisting(const std::string& data_dir) {
  std::string path = data_dir + "/db";
  if (!std::filesystem::exists(path + "/CURRENT"))
    return Status(Code::kNotFound, "no keyledger database in " + data_dir);
  auto db = storage::Database::Open(path, projections::ColumnFamilies());
  if (!db.ok()) return db.status();
  auto log = storage::RocksLog::Open(db->get(), nullptr);
  if (!log.ok()) return log.status();
  return Opened{std::move(db.value()), std::move(log.value())};
}

void ProgressBar(uint64_t done, uint64_t total) {
  if (total == 0) return;
  int width = 40, filled = static_cast<int>(width * done / total);
  std::fprintf(stderr, "\r[%s%s] %llu/%llu", std::string(filled, '#').c_str(),
               std::string(width - filled, ' ').c_str(), static_cast<unsigned long long>(done),
               static_cast<unsigned long long>(total));
  std::fflush(stderr);
}

// Where an export reads from and appends its ExportCreated to: the data directory's log, or the
// cluster log.
struct ExportSource {
  Opened embedded;
  std::unique_ptr<storage::PgLog> cluster;
  storage::EventLog* log() { return cluster ? static_cast<storage::EventLog*>(cluster.get()) : embedded.log.get(); }
};

Result<ExportSource> OpenExportSource(const ExportOptions& o) {
  ExportSource source;
  if (o.log_uri.empty()) {
    auto opened = OpenExisting(o.data_dir);
    if (!opened.ok()) return opened.status();
    source.embedded = std::move(*opened);
    return source;
  }
  storage::PgLogOptions options;
  options.conninfo = o.log_uri;
  auto pg = storage::PgLog::Open(options);
  if (!pg.ok()) return pg.status();
  source.cluster = std::move(*pg);
  return source;
}

}  // namespace

int RunReplay(const std::string& data_dir) {
  auto opened = OpenExisting(data_dir);
  if (!opened.ok()) {
    std::fprintf(stderr, "replay: %s\n", opened.status().message().c_str());
    return 1;
  }
  auto& [db, log] = opened.value();
  if (Status s = db->ResetColumnFamilies(projections::ColumnFamilies()); !s.ok()) {
    std::fprintf(stderr, "replay: %s\n", s.message().c_str());
    return 1;
  }
  projections::Projector projector(db.get());
  uint64_t total = log->HeadSeq();
  bool tty = ::isatty(STDERR_FILENO);
  auto start = std::chrono::steady_clock::now();
  auto folded = projector.Rebuild(*log, [&](uint64_t done) {
    if (tty) ProgressBar(done, total);
  });
  double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  if (tty) std::fprintf(stderr, "\n");
  if (!folded.ok()) {
    std::fprintf(stderr, "replay: %s\n", folded.status().message().c_str());
    return 1;
  }
  std::printf("replayed %llu events in %.3f s (%.0f events/s)\n", static_cast<unsigned long long>(*folded), seconds,
              seconds > 0 ? *folded / seconds : 0.0);
  std::printf("projection digest %s\n", projections::ProjectionDigest(*db).c_str());
  log->Stop();
  return db->Close().ok() ? 0 : 1;
}

int RunVerify(const std::string& data_dir) {
  auto opened = OpenExisting(data_dir);
  if (!opened.ok()) {
    std::fprintf(stderr, "verify: %s\n", opened.status().message().c_str());
    return 1;
  }
  auto& [db, log] = opened.value();
  auto fail = [](uint64_t seq, const std::string& why) {
    std::fprintf(stderr, "verify: FAILED at seq %llu: %s\n", static_cast<unsigned long long>(seq), why.c_str());
    return 1;
  };

  // 1. Both chains over the whole log, straight from the column family (not via the head).
  auto* log_cf = db->cf(storage::kLogCf);
  std::unique_ptr<rocksdb::Iterator> it(db->db()->NewIterator(rocksdb::ReadOptions(), log_cf));
  ChainCheck chain;
  for (it->SeekToFirst(); it->Valid(); it->Next()) {
    uint64_t seq = it->key().size() == 8 ? storage::DecodeBE64(it->key()) : 0;
    auto ev = events::Decode(std::string_view(it->value().data(), it->value().size()));
    if (!ev.ok()) return fail(chain.count() + 1, "does not decode: " + ev.status().message());
    if (auto why = chain.Add(seq, *ev)) return fail(chain.count() + 1, *why);
  }
  if (!it->status().ok()) return fail(chain.count() + 1, "reading the log failed: " + it->status().ToString());
  uint64_t count = chain.count();
  Hash32 prev = chain.head();

  // 2. projections == fold(log): fold into a scratch database and compare digests.
  std::string live = projections::ProjectionDigest(*db);
  std::string scratch_dir = std::filesystem::temp_directory_path() / ("keyledger-verify-" + std::to_string(::getpid()));
  std::filesystem::remove_all(scratch_dir);
  std::string refolded;
  {
    auto scratch = storage::Database::Open(scratch_dir, projections::ColumnFamilies());
    if (!scratch.ok()) return fail(0, scratch.status().message());
    projections::Projector projector(scratch->get());
    auto folded = projector.CatchUp(*log);
    if (!folded.ok()) return fail(projector.Checkpoint() + 1, "cannot be folded: " + folded.status().message());
    refolded = projections::ProjectionDigest(**scratch);
  }
  std::filesystem::remove_all(scratch_dir);
  if (live != refolded) {
    std::fprintf(stderr, "verify: FAILED: projections differ from fold(log) (digest %s, expected %s)\n", live.c_str(),
                 refolded.c_str());
    return 1;
  }
  std::printf("verify: OK: %llu events, both hash chains intact, head %s, projections == fold(log) (digest %s)\n",
              static_cast<unsigned long long>(count), ToHex(prev).c_str(), live.c_str());
  log->Stop();
  return 0;
}

int RunExport(const ExportOptions& o) {
  exports::ExportRequest req;
  req.format = o.format;
  if (!exports::IsExportFormat(o.format)) {
    std::fprintf(stderr, "export: --format must be ndjson or csv\n");
    return 2;
  }
  if (!o.org_id.empty()) req.org_id = o.org_id;
  if (!o.from.empty() && !(req.from = ParseTime(o.from))) {
    std::fprintf(stderr, "export: --from must be an RFC 3339 timestamp\n");
    return 2;
  }
  if (!o.to.empty() && !(req.to = ParseTime(o.to))) {
    std::fprintf(stderr, "export: --to must be an RFC 3339 timestamp\n");
    return 2;
  }
  if (!o.log_uri.empty() && o.signing_key_file.empty()) {
    std::fprintf(stderr, "export: --log needs --signing-key FILE, the cluster's signing key (docs/cluster.md)\n");
    return 2;
  }
  auto signer = LoadOrCreateSigningKey(o.data_dir, o.signing_key_file);
  if (!signer.ok()) {
    std::fprintf(stderr, "export: %s\n", signer.status().message().c_str());
    return 1;
  }
  auto source = OpenExportSource(o);
  if (!source.ok()) {
    std::fprintf(stderr, "export: %s\n", source.status().message().c_str());
    return 1;
  }
  storage::EventLog* log = source->log();
  // A CLI export links to the previous manifest of the server's exports directory; the cluster
  // log's exports are each node's, so one from --log links to none.
  exports::Exporter exporter(*log, *signer, o.log_uri.empty() ? o.data_dir + "/exports" : "");
  Millis now = NowMillis();
  std::string id = NewId("exp", now);
  auto written = exporter.WriteTo(req, id, now, o.out, o.out + ".manifest.json");
  if (!written.ok()) {
    std::fprintf(stderr, "export: %s\n", written.status().message().c_str());
    return 1;
  }
  const auto& m = written->manifest;
  // Offline exports are audited like any other: an ExportCreated event, actor system.
  uint64_t version = 0;
  std::vector<Event> stream;
  std::string org = req.org_id.value_or("");
  if (Status s = log->ReadStream("org:" + org, 0, SIZE_MAX, &stream); s.ok()) version = stream.size();
  CommandContext cc{now, Actor{"system", "cli"}, NewId("req", now)};
  ExportCreated data{id, req.format, req.from, req.to, m["event_count"].get<int64_t>(),
                     m["first_seq"].is_null() ? 0 : m["first_seq"].get<uint64_t>(),
                     m["last_seq"].is_null() ? 0 : m["last_seq"].get<uint64_t>(), m["file_sha256"].get<std::string>()};
  auto appended = log->AppendAndWait({NewEvent(cc, org, std::nullopt, version + 1, data)}, true);
  if (!appended.status.ok()) {
    std::fprintf(stderr, "export: the file is written but the ExportCreated event was not: %s\n",
                 appended.status.message().c_str());
    return 1;
  }
  std::printf("wrote %s (%s events) and %s.manifest.json\n", o.out.c_str(), m["event_count"].dump().c_str(),
              o.out.c_str());
  log->Stop();
  return 0;
}

namespace {
// The export's last event must be in the cluster log with the hash the manifest's head_hash names
// (the org chain's for an org's export): the file's chain links then tie every event to the log.
int CheckAnchoredInLog(const std::string& manifest_path, const std::string& log_uri) {
  std::ifstream in(manifest_path);
  auto m = nlohmann::json::parse(in, nullptr, false);
  if (!m.is_object()) return std::fprintf(stderr, "verify-export: cannot read %s\n", manifest_path.c_str()), 1;
  if (!m.contains("last_seq") || m["last_seq"].is_null() || !m["last_seq"].is_number_unsigned() ||
      !m.contains("head_hash") || !m["head_hash"].is_string()) {
    std::printf("verify-export: the export holds no event: nothing to find in the cluster log\n");
    return 0;
  }
  const uint64_t last = m["last_seq"].get<uint64_t>();
  const bool org_export = m.contains("org_id") && m["org_id"].is_string();
  auto conn = ConnectToClusterLog(log_uri, /*must_exist=*/true);
  if (!conn.ok()) return std::fprintf(stderr, "verify-export: %s\n", conn.status().message().c_str()), 1;
  storage::PgRun run = (*conn)->Run(
      {storage::PgQuery{std::string("SELECT encode(") + (org_export ? "org_hash" : "hash") +
                            ", 'hex') FROM keyledger_events WHERE seq = $1",
                        {storage::PgParam::Int(static_cast<int64_t>(last))}}},
      ToolDeadline());
  if (!run.ok()) return std::fprintf(stderr, "verify-export: PostgreSQL: %s\n", run.error.c_str()), 1;
  if (run.results[0].rows() != 1 || run.results[0].Value(0, 0) != m["head_hash"].get<std::string>()) {
    std::fprintf(stderr, "verify-export: FAILED: the cluster log's event %llu does not have the export's head hash\n",
                 static_cast<unsigned long long>(last));
    return 1;
  }
  std::printf("verify-export: its last event (seq %llu) is in the cluster log with the same hash\n",
              static_cast<unsigned long long>(last));
  return 0;
}
}  // namespace

int RunVerifyExport(const std::string& file, std::string manifest, const std::string& public_key_path,
                    const std::string& log_uri) {
  if (manifest.empty()) manifest = file + ".manifest.json";
  std::optional<std::string> pem;
  if (!public_key_path.empty()) {
    std::ifstream in(public_key_path);
    if (!in) {
      std::fprintf(stderr, "verify-export: cannot read %s\n", public_key_path.c_str());
      return 1;
    }
    std::stringstream ss;
    ss << in.rdbuf();
    pem = ss.str();
  }
  auto outcome = exports::VerifyExport(file, manifest, pem);
  if (!outcome.ok) {
    std::fprintf(stderr, "verify-export: FAILED: %s\n", outcome.message.c_str());
    return 1;
  }
  std::printf("verify-export: %s\n", outcome.message.c_str());
  if (!pem) std::printf("public key id %s (from the manifest: compare it with the id you trust)\n", outcome.public_key_id.c_str());
  return log_uri.empty() ? 0 : CheckAnchoredInLog(manifest, log_uri);
}

}  // namespace kl::app
