// Signed, verifiable exports (docs/spec.md, Exports): a file of events (NDJSON or CSV) filtered by org and
// [from, to) on recorded_at, and a manifest signed with Ed25519 and chained to the previous
// manifest of the same org. Used by `POST /v1/exports` and by `keyledger export` alike.
#pragma once
#include <mutex>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "domain/signer.h"
#include "domain/status.h"
#include "storage/event_log.h"

namespace kl::exports {

struct ExportRequest {
  std::optional<std::string> org_id;
  std::optional<Millis> from;
  std::optional<Millis> to;
  std::string format = "ndjson";  // ndjson | csv
};

struct ExportResult {
  std::string id;
  nlohmann::json manifest;  // with its signature
  std::string file_path;
  std::string manifest_path;
};

class Exporter {
 public:
  // Files go to `dir` as <id>.<format> and <id>.manifest.json.
  Exporter(storage::EventLog& log, std::shared_ptr<Signer> signer, std::string dir);

  // Writes the file and its manifest. `export_id` names them (exp_<ULID>).
  Result<ExportResult> Write(const ExportRequest& request, const std::string& export_id, Millis now);
  // Writes to explicit paths (the offline CLI's --out FILE and FILE.manifest.json).
  Result<ExportResult> WriteTo(const ExportRequest& request, const std::string& export_id, Millis now,
                               const std::string& file_path, const std::string& manifest_path);
  // A manifest previously written to `dir`, or nullopt.
  std::optional<nlohmann::json> Manifest(const std::string& export_id) const;
  std::string FilePath(const std::string& export_id, const std::string& format) const;

 private:
  std::optional<std::string> PreviousManifestSha(const std::optional<std::string>& org_id) const;

  storage::EventLog& log_;
  std::shared_ptr<Signer> signer_;
  std::string dir_;
  std::mutex mu_;  // one export at a time: each links to the one before it
};

bool IsExportFormat(const std::string& f);
// The RFC 4180 line of one event with the columns of docs/spec.md, Exports.
std::string CsvHeader();
std::string CsvLine(const nlohmann::json& event);

}  // namespace kl::exports
