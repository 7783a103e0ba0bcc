// Offline commands over a data directory (the server stopped): replay and verify.
#pragma once
#include <string>

namespace kl::app {

// Rebuilds every projection from the log; prints events/s and the projection digest.
int RunReplay(const std::string& data_dir);
// Re-computes both hash chains over the whole log and checks projections == fold(log).
// Exit 0 when intact; 1 naming the first bad sequence number otherwise.
int RunVerify(const std::string& data_dir);

struct ExportOptions {
  std::string data_dir = "./keyledger-data";
  std::string org_id, from, to, format = "ndjson", out;
};
// The same export as POST /v1/exports, offline: writes FILE and FILE.manifest.json.
int RunExport(const ExportOptions& options);
int RunVerifyExport(const std::string& file, std::string manifest, const std::string& public_key_path);

}  // namespace kl::app
