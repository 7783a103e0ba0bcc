// Offline commands over a data directory (the server stopped) or a cluster log in PostgreSQL:
// replay, verify, export, verify-export and cluster import.
#pragma once
#include <string>

namespace kl::app {

// Rebuilds every projection from the log; prints events/s and the projection digest.
int RunReplay(const std::string& data_dir);
// Re-computes both hash chains over the whole log and checks projections == fold(log).
// Exit 0 when intact; 1 naming the first bad sequence number otherwise.
int RunVerify(const std::string& data_dir);
// The same over a cluster log (--log URI): both chains, each row's columns against its event,
// the head rows, and that the log folds (cluster_verify.cc).
int RunVerifyClusterLog(const std::string& log_uri);
// Copies an embedded log (server stopped) into an empty cluster log, unchanged (cluster_import.cc).
int RunClusterImport(const std::string& data_dir, const std::string& log_uri);

struct ExportOptions {
  std::string data_dir = "./keyledger-data";
  std::string log_uri;           // set: export from the cluster log instead of the data directory
  std::string signing_key_file;  // required with log_uri (the cluster's key); else <data_dir>/signing.pem
  std::string org_id, from, to, format = "ndjson", out;
};
// The same export as POST /v1/exports, offline: writes FILE and FILE.manifest.json.
int RunExport(const ExportOptions& options);
// With `log_uri`, also checks that the export's last event is in that cluster log with its hash.
int RunVerifyExport(const std::string& file, std::string manifest, const std::string& public_key_path,
                    const std::string& log_uri = "");

}  // namespace kl::app
