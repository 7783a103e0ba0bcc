#include "app/ledger_tools.h"

#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <unordered_map>

#include "domain/crypto.h"
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
  uint64_t expected = 1;
  Hash32 prev{};
  std::unordered_map<std::string, Hash32> org_heads;
  for (it->SeekToFirst(); it->Valid(); it->Next(), ++expected) {
    uint64_t seq = storage::DecodeBE64(it->key());
    if (it->key().size() != 8 || seq != expected) return fail(expected, "missing event (the log has a gap)");
    auto ev = events::Decode(std::string_view(it->value().data(), it->value().size()));
    if (!ev.ok()) return fail(seq, "does not decode: " + ev.status().message());
    if (ev->seq != seq) return fail(seq, "stored under the wrong sequence number");
    if (ev->prev_hash != prev) return fail(seq, "prev_hash does not link to the previous event");
    Hash32 org_prev = org_heads.count(ev->org_id) ? org_heads[ev->org_id] : Hash32{};
    if (ev->org_prev_hash != org_prev) return fail(seq, "org_prev_hash does not link to the org's previous event");
    if (!events::VerifySeal(*ev)) return fail(seq, "hash or org_hash does not match the event's content");
    prev = ev->hash;
    org_heads[ev->org_id] = ev->org_hash;
  }
  if (!it->status().ok()) return fail(expected, "reading the log failed: " + it->status().ToString());
  uint64_t count = expected - 1;

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
  auto signer = LoadOrCreateSigningKey(o.data_dir);
  if (!signer.ok()) {
    std::fprintf(stderr, "export: %s\n", signer.status().message().c_str());
    return 1;
  }
  auto opened = OpenExisting(o.data_dir);
  if (!opened.ok()) {
    std::fprintf(stderr, "export: %s\n", opened.status().message().c_str());
    return 1;
  }
  auto& [db, log] = opened.value();
  exports::Exporter exporter(*log, *signer, o.data_dir + "/exports");
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

int RunVerifyExport(const std::string& file, std::string manifest, const std::string& public_key_path) {
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
  return 0;
}

}  // namespace kl::app
