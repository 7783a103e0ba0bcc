#include "exports/exporter.h"

#include <openssl/evp.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "domain/crypto.h"
#include "domain/ids.h"
#include "domain/time.h"
#include "events/canonical_json.h"
#include "events/json.h"

namespace kl::exports {

using nlohmann::json;
namespace fs = std::filesystem;

bool IsExportFormat(const std::string& f) { return f == "ndjson" || f == "csv"; }

std::string CsvHeader() {
  return "seq,id,type,org_id,key_id,stream_version,recorded_at,actor_type,actor_id,request_id,data_json,prev_hash,"
         "hash,org_prev_hash,org_hash\r\n";
}

static std::string CsvField(const std::string& v) {
  if (v.find_first_of(",\"\r\n") == std::string::npos) return v;
  std::string out = "\"";
  for (char c : v) {
    if (c == '"') out += "\"\"";
    else out.push_back(c);
  }
  return out + "\"";
}

static std::string Text(const json& v) {
  if (v.is_null()) return "";
  if (v.is_string()) return v.get<std::string>();
  return v.dump();
}

std::string CsvLine(const json& e) {
  std::string line;
  auto add = [&](const std::string& v, bool last = false) {
    line += CsvField(v);
    line += last ? "\r\n" : ",";
  };
  add(Text(e["seq"]));
  add(Text(e["id"]));
  add(Text(e["type"]));
  add(Text(e["org_id"]));
  add(Text(e["key_id"]));
  add(Text(e["stream_version"]));
  add(Text(e["recorded_at"]));
  add(Text(e["actor"]["type"]));
  add(Text(e["actor"]["id"]));
  add(Text(e["request_id"]));
  add(events::Canonicalize(e["data"]));
  add(Text(e["prev_hash"]));
  add(Text(e["hash"]));
  add(Text(e["org_prev_hash"]));
  add(Text(e["org_hash"]), true);
  return line;
}

Exporter::Exporter(storage::EventLog& log, std::shared_ptr<Signer> signer, std::string dir)
    : log_(log), signer_(std::move(signer)), dir_(std::move(dir)) {}

std::string Exporter::FilePath(const std::string& id, const std::string& format) const {
  return dir_ + "/" + id + "." + format;
}

std::optional<json> Exporter::Manifest(const std::string& id) const {
  if (!IsId(id, "exp")) return std::nullopt;
  std::ifstream in(dir_ + "/" + id + ".manifest.json");
  if (!in) return std::nullopt;
  json j = json::parse(in, nullptr, false);
  if (j.is_discarded()) return std::nullopt;
  return j;
}

std::optional<std::string> Exporter::PreviousManifestSha(const std::optional<std::string>& org_id) const {
  // Export ids are ULIDs: the newest manifest of the same org sorts last.
  std::string best_id;
  json best;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(dir_, ec)) {
    std::string name = entry.path().filename().string();
    const std::string suffix = ".manifest.json";
    if (name.size() <= suffix.size() || name.compare(name.size() - suffix.size(), suffix.size(), suffix) != 0)
      continue;
    std::string id = name.substr(0, name.size() - suffix.size());
    if (id <= best_id) continue;
    auto m = Manifest(id);
    if (!m) continue;
    json want = org_id ? json(*org_id) : json(nullptr);
    if ((*m)["org_id"] != want) continue;
    best_id = id;
    best = *m;
  }
  if (best_id.empty()) return std::nullopt;
  return ToHex(Sha256(events::Canonicalize(best)));
}

Result<ExportResult> Exporter::Write(const ExportRequest& request, const std::string& export_id, Millis now) {
  std::error_code ec;
  fs::create_directories(dir_, ec);
  if (ec) return Status(Code::kUnavailable, "cannot create the exports directory");
  return WriteTo(request, export_id, now, FilePath(export_id, request.format),
                 dir_ + "/" + export_id + ".manifest.json");
}

Result<ExportResult> Exporter::WriteTo(const ExportRequest& request, const std::string& export_id, Millis now,
                                       const std::string& file_path, const std::string& manifest_path) {
  std::lock_guard lock(mu_);
  std::string tmp = file_path + ".tmp";
  std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
  if (!out) return Status(Code::kUnavailable, "cannot write the export file");

  EVP_MD_CTX* sha = EVP_MD_CTX_new();
  EVP_DigestInit_ex(sha, EVP_sha256(), nullptr);
  auto emit = [&](const std::string& s) {
    out.write(s.data(), static_cast<std::streamsize>(s.size()));
    EVP_DigestUpdate(sha, s.data(), s.size());
  };
  if (request.format == "csv") emit(CsvHeader());

  // The head the export describes is fixed when it starts; later appends are not included. With
  // a Merkle tree, that head is the size of the checkpoint the export ends in (docs/audit.md).
  std::optional<storage::TreeHead> tree;
  if (log_.HasTree()) tree = log_.Tree();
  uint64_t head = tree ? tree->size : log_.HeadSeq();
  uint64_t count = 0, first = 0, last = 0;
  Hash32 head_hash{};
  std::vector<Event> chunk;
  for (uint64_t after = 0; after < head;) {
    chunk.clear();
    if (Status s = log_.Read(after, 2048, &chunk); !s.ok()) {
      EVP_MD_CTX_free(sha);
      return s;
    }
    if (chunk.empty()) break;
    for (const Event& e : chunk) {
      after = e.seq;
      if (e.seq > head) break;
      if (request.org_id && e.org_id != *request.org_id) continue;
      if (request.from && e.recorded_at < *request.from) continue;
      if (request.to && e.recorded_at >= *request.to) continue;
      json j = events::ToJson(e);
      emit(request.format == "csv" ? CsvLine(j) : j.dump() + "\n");
      if (count++ == 0) first = e.seq;
      last = e.seq;
      head_hash = request.org_id ? e.org_hash : e.hash;
    }
  }
  Hash32 file_hash;
  unsigned int len = 0;
  EVP_DigestFinal_ex(sha, file_hash.data(), &len);
  EVP_MD_CTX_free(sha);
  out.flush();
  if (!out) return Status(Code::kUnavailable, "cannot write the export file (disk full?)");
  out.close();

  auto optional_time = [](const std::optional<Millis>& t) { return t ? json(FormatTime(*t)) : json(nullptr); };
  auto previous = PreviousManifestSha(request.org_id);
  json manifest = {{"id", export_id},
                   {"format", request.format},
                   {"org_id", request.org_id ? json(*request.org_id) : json(nullptr)},
                   {"from", optional_time(request.from)},
                   {"to", optional_time(request.to)},
                   {"created_at", FormatTime(now)},
                   {"event_count", count},
                   {"first_seq", count ? json(first) : json(nullptr)},
                   {"last_seq", count ? json(last) : json(nullptr)},
                   {"file_sha256", ToHex(file_hash)},
                   {"head_hash", count ? json(ToHex(head_hash)) : json(nullptr)},
                   {"previous_manifest_sha256", previous ? json(*previous) : json(nullptr)},
                   {"checkpoint_tree_size", tree ? json(tree->size) : json(nullptr)},
                   {"checkpoint_root_hash", tree ? json(ToHex(tree->root)) : json(nullptr)},
                   {"public_key_id", signer_->PublicKeyId()},
                   {"public_key_pem", signer_->PublicPem()}};
  manifest["signature"] = signer_->SignBase64(events::Canonicalize(manifest));

  std::string mtmp = manifest_path + ".tmp";
  {
    std::ofstream m(mtmp, std::ios::trunc);
    m << manifest.dump(2) << "\n";
    if (!m) return Status(Code::kUnavailable, "cannot write the export manifest");
  }
  std::error_code ec;
  fs::rename(tmp, file_path, ec);
  if (!ec) fs::rename(mtmp, manifest_path, ec);
  if (ec) return Status(Code::kUnavailable, "cannot move the export into place");
  return ExportResult{export_id, manifest, file_path, manifest_path};
}

}  // namespace kl::exports
