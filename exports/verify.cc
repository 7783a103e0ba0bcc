#include "exports/verify.h"

#include <fstream>
#include <sstream>
#include <vector>

#include <nlohmann/json.hpp>

#include "domain/crypto.h"
#include "domain/signer.h"
#include "events/canonical_json.h"

namespace kl::exports {

using nlohmann::json;

namespace {

std::optional<std::string> ReadAll(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return std::nullopt;
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// RFC 4180 records (CRLF or LF line ends, quoted fields with doubled quotes).
std::optional<std::vector<std::vector<std::string>>> ParseCsv(const std::string& text) {
  std::vector<std::vector<std::string>> rows;
  std::vector<std::string> row;
  std::string field;
  bool quoted = false, field_started = false;
  for (size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (quoted) {
      if (c == '"') {
        if (i + 1 < text.size() && text[i + 1] == '"') {
          field.push_back('"');
          ++i;
        } else {
          quoted = false;
        }
      } else {
        field.push_back(c);
      }
      continue;
    }
    if (c == '"' && !field_started) {
      quoted = field_started = true;
    } else if (c == ',') {
      row.push_back(std::move(field));
      field.clear();
      field_started = false;
    } else if (c == '\r' || c == '\n') {
      if (c == '\r' && i + 1 < text.size() && text[i + 1] == '\n') ++i;
      row.push_back(std::move(field));
      field.clear();
      field_started = false;
      rows.push_back(std::move(row));
      row.clear();
    } else {
      field.push_back(c);
      field_started = true;
    }
  }
  if (quoted) return std::nullopt;
  if (field_started || !row.empty()) {
    row.push_back(std::move(field));
    rows.push_back(std::move(row));
  }
  return rows;
}

json NullIfEmpty(const std::string& s) { return s.empty() ? json(nullptr) : json(s); }

std::optional<json> EventFromCsv(const std::vector<std::string>& r) {
  if (r.size() != 15) return std::nullopt;
  try {
    json data = json::parse(r[10]);
    return json{{"seq", std::stoull(r[0])},
                {"id", r[1]},
                {"type", r[2]},
                {"org_id", NullIfEmpty(r[3])},
                {"key_id", NullIfEmpty(r[4])},
                {"stream_version", std::stoull(r[5])},
                {"recorded_at", r[6]},
                {"actor", {{"type", r[7]}, {"id", r[8]}}},
                {"request_id", r[9]},
                {"data", data},
                {"prev_hash", r[11]},
                {"hash", r[12]},
                {"org_prev_hash", r[13]},
                {"org_hash", r[14]}};
  } catch (const std::exception&) {
    return std::nullopt;
  }
}

VerifyOutcome Fail(std::string why) { return VerifyOutcome{false, std::move(why), {}}; }

}  // namespace

VerifyOutcome VerifyExport(const std::string& file_path, const std::string& manifest_path,
                           const std::optional<std::string>& trusted_pem) {
  auto manifest_text = ReadAll(manifest_path);
  if (!manifest_text) return Fail("cannot read the manifest " + manifest_path);
  json manifest = json::parse(*manifest_text, nullptr, false);
  if (manifest.is_discarded() || !manifest.is_object()) return Fail("the manifest is not a JSON object");
  if (!manifest.contains("signature") || !manifest["signature"].is_string()) return Fail("the manifest has no signature");

  // 1. Signature over the manifest without its signature, in RFC 8785 form.
  std::string pem = trusted_pem ? *trusted_pem : manifest.value("public_key_pem", "");
  std::string signature = manifest["signature"];
  json unsigned_manifest = manifest;
  unsigned_manifest.erase("signature");
  VerifyOutcome out;
  out.public_key_id = PublicKeyIdOfPem(pem);
  if (out.public_key_id.empty()) return Fail("the public key is not a readable PEM public key");
  if (!VerifyBase64(pem, events::Canonicalize(unsigned_manifest), signature))
    return Fail("the manifest signature does not verify against public key " + out.public_key_id);

  // 2. The file's hash.
  auto file = ReadAll(file_path);
  if (!file) return Fail("cannot read the export file " + file_path);
  if (ToHex(Sha256(*file)) != manifest.value("file_sha256", ""))
    return Fail("the file's SHA-256 does not match the manifest's file_sha256 (the file was changed)");

  // 3. Every event and every link.
  std::vector<json> events;
  std::string format = manifest.value("format", "ndjson");
  if (format == "csv") {
    auto rows = ParseCsv(*file);
    if (!rows || rows->empty()) return Fail("the CSV file is malformed");
    for (size_t i = 1; i < rows->size(); ++i) {
      auto e = EventFromCsv((*rows)[i]);
      if (!e) return Fail("CSV row " + std::to_string(i + 1) + " is malformed");
      events.push_back(std::move(*e));
    }
  } else {
    std::istringstream lines(*file);
    std::string line;
    size_t n = 0;
    while (std::getline(lines, line)) {
      ++n;
      json e = json::parse(line, nullptr, false);
      if (e.is_discarded() || !e.is_object()) return Fail("line " + std::to_string(n) + " is not a JSON object");
      events.push_back(std::move(e));
    }
  }
  if (manifest.value("event_count", static_cast<uint64_t>(0)) != events.size())
    return Fail("the file holds " + std::to_string(events.size()) + " events, the manifest says " +
                manifest["event_count"].dump());

  bool org_export = !manifest["org_id"].is_null();
  std::optional<std::string> previous_link;
  uint64_t previous_seq = 0;
  for (size_t i = 0; i < events.size(); ++i) {
    json& e = events[i];
    std::string where = "event " + std::to_string(i + 1) + " (seq " + e.value("seq", json()).dump() + ")";
    try {
      uint64_t seq = e.at("seq").get<uint64_t>();
      if (i > 0 && seq <= previous_seq) return Fail(where + " is out of order");
      previous_seq = seq;
      if (org_export && e.at("org_id") != manifest["org_id"]) return Fail(where + " belongs to another org");
      json content = e;
      for (const char* k : {"prev_hash", "hash", "org_prev_hash", "org_hash"}) content.erase(k);
      std::string canonical = events::Canonicalize(content);
      auto prev = HashFromHex(e.at("prev_hash").get<std::string>());
      auto org_prev = HashFromHex(e.at("org_prev_hash").get<std::string>());
      if (!prev || !org_prev) return Fail(where + " has a malformed previous hash");
      if (ToHex(Sha256Concat(*prev, canonical)) != e.at("hash")) return Fail(where + ": hash does not match its content");
      if (ToHex(Sha256Concat(*org_prev, canonical)) != e.at("org_hash"))
        return Fail(where + ": org_hash does not match its content");
      // Consecutive events of the export link on the chain it follows.
      const char* link_from = org_export ? "org_prev_hash" : "prev_hash";
      const char* link_to = org_export ? "org_hash" : "hash";
      if (previous_link && e.at(link_from) != *previous_link)
        return Fail(where + ": " + link_from + " does not link to the previous event (missing or re-ordered events)");
      previous_link = e.at(link_to).get<std::string>();
    } catch (const std::exception&) {
      return Fail(where + " lacks a required field");
    }
  }
  if (!events.empty()) {
    if (events.front()["seq"] != manifest["first_seq"] || events.back()["seq"] != manifest["last_seq"])
      return Fail("first_seq/last_seq do not match the file (truncated?)");
    if (manifest["head_hash"] != *previous_link) return Fail("head_hash does not match the last event (truncated?)");
  }
  out.ok = true;
  out.message = "OK: " + std::to_string(events.size()) + " events, signature by " + out.public_key_id +
                ", file hash and every chain link verified";
  return out;
}

}  // namespace kl::exports
