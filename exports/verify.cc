#include "exports/verify.h"

#include <fstream>
#include <sstream>
#include <vector>

#include <nlohmann/json.hpp>

#include "domain/crypto.h"
#include "domain/signer.h"
#include "events/canonical_json.h"
#include "exports/untrusted_json.h"

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
std::optional<std::vector<std::vector<std::string>>> ParseCsv(std::string_view text) {
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

// Nesting allowed in what is verified: a manifest is flat; an event nests its data, whose
// metadata the service stores up to 64 deep (events/codec.cc). Deeper is refused unread.
constexpr int kMaxManifestDepth = 8;
constexpr int kMaxEventDepth = 96;

json NullIfEmpty(const std::string& s) { return s.empty() ? json(nullptr) : json(s); }

std::optional<json> EventFromCsv(const std::vector<std::string>& r) {
  if (r.size() != 15) return std::nullopt;
  try {
    auto data = ParseBoundedJson(r[10], kMaxEventDepth - 1);
    if (!data) return std::nullopt;
    return json{{"seq", std::stoull(r[0])},
                {"id", r[1]},
                {"type", r[2]},
                {"org_id", NullIfEmpty(r[3])},
                {"key_id", NullIfEmpty(r[4])},
                {"stream_version", std::stoull(r[5])},
                {"recorded_at", r[6]},
                {"actor", {{"type", r[7]}, {"id", r[8]}}},
                {"request_id", r[9]},
                {"data", *data},
                {"prev_hash", r[11]},
                {"hash", r[12]},
                {"org_prev_hash", r[13]},
                {"org_hash", r[14]}};
  } catch (const std::exception&) {
    return std::nullopt;
  }
}

VerifyOutcome Fail(std::string why) { return VerifyOutcome{false, std::move(why), {}}; }

// RFC 8785 form, or nullopt for what it cannot express (it throws there).
std::optional<std::string> CanonicalOrNull(const json& value) {
  try {
    return events::Canonicalize(value);
  } catch (const std::exception&) {
    return std::nullopt;
  }
}

// One event's own hashes, and the link values it offers its neighbours on the exported chain.
struct EventLink {
  bool ok = false;
  std::string failure;  // appended to "event N (seq S)"
  std::string from, to;
};

EventLink CheckEventHashes(const json& e, bool org_export) {
  auto prev_hex = StringField(e, "prev_hash"), org_prev_hex = StringField(e, "org_prev_hash");
  auto hash = StringField(e, "hash"), org_hash = StringField(e, "org_hash");
  if (!prev_hex || !org_prev_hex || !hash || !org_hash) return {false, " lacks a required field", {}, {}};
  auto prev = HashFromHex(*prev_hex);
  auto org_prev = HashFromHex(*org_prev_hex);
  if (!prev || !org_prev) return {false, " has a malformed previous hash", {}, {}};
  json content = e;
  for (const char* k : {"prev_hash", "hash", "org_prev_hash", "org_hash"}) content.erase(k);
  auto canonical = CanonicalOrNull(content);
  if (!canonical) return {false, " cannot be put in canonical form", {}, {}};
  if (ToHex(Sha256Concat(*prev, *canonical)) != *hash) return {false, ": hash does not match its content", {}, {}};
  if (ToHex(Sha256Concat(*org_prev, *canonical)) != *org_hash)
    return {false, ": org_hash does not match its content", {}, {}};
  // Consecutive events of the export link on the chain it follows.
  if (org_export) return {true, {}, *org_prev_hex, *org_hash};
  return {true, {}, *prev_hex, *hash};
}

}  // namespace

VerifyOutcome VerifyExport(const std::string& file_path, const std::string& manifest_path,
                           const std::optional<std::string>& trusted_pem) {
  auto manifest_text = ReadAll(manifest_path);
  if (!manifest_text) return Fail("cannot read the manifest " + manifest_path);
  auto file = ReadAll(file_path);
  if (!file) return Fail("cannot read the export file " + file_path);
  return VerifyExportContents(*manifest_text, *file, trusted_pem);
}

VerifyOutcome VerifyExportContents(std::string_view manifest_text, std::string_view file,
                                   const std::optional<std::string>& trusted_pem) {
  auto parsed = ParseBoundedJson(manifest_text, kMaxManifestDepth);
  if (!parsed || !parsed->is_object()) return Fail("the manifest is not a JSON object (or nests too deeply)");
  const json& manifest = *parsed;
  auto signature = StringField(manifest, "signature");
  if (!signature) return Fail("the manifest has no signature");

  // 1. Signature over the manifest without its signature, in RFC 8785 form.
  std::string pem = trusted_pem ? *trusted_pem : StringField(manifest, "public_key_pem").value_or("");
  VerifyOutcome out;
  out.public_key_id = PublicKeyIdOfPem(pem);
  if (out.public_key_id.empty()) return Fail("the public key is not a readable PEM public key");
  json unsigned_manifest = manifest;
  unsigned_manifest.erase("signature");
  auto canonical_manifest = CanonicalOrNull(unsigned_manifest);
  if (!canonical_manifest || !VerifyBase64(pem, *canonical_manifest, *signature))
    return Fail("the manifest signature does not verify against public key " + out.public_key_id);

  // 2. The file's hash.
  if (ToHex(Sha256(file)) != StringField(manifest, "file_sha256").value_or(""))
    return Fail("the file's SHA-256 does not match the manifest's file_sha256 (the file was changed)");

  // 3. Every event and every link.
  auto event_count = UnsignedField(manifest, "event_count");
  if (!event_count) return Fail("the manifest's event_count is not a non-negative integer");
  auto format = manifest.contains("format") ? StringField(manifest, "format") : std::optional<std::string>("ndjson");
  if (!format) return Fail("the manifest's format is not a string");
  std::vector<json> events;
  if (*format == "csv") {
    auto rows = ParseCsv(file);
    if (!rows || rows->empty()) return Fail("the CSV file is malformed");
    for (size_t i = 1; i < rows->size(); ++i) {
      auto e = EventFromCsv((*rows)[i]);
      if (!e) return Fail("CSV row " + std::to_string(i + 1) + " is malformed");
      events.push_back(std::move(*e));
    }
  } else {
    std::istringstream lines{std::string(file)};
    std::string line;
    size_t n = 0;
    while (std::getline(lines, line)) {
      ++n;
      auto e = ParseBoundedJson(line, kMaxEventDepth);
      if (!e || !e->is_object()) return Fail("line " + std::to_string(n) + " is not a JSON object (or nests too deeply)");
      events.push_back(std::move(*e));
    }
  }
  if (*event_count != events.size())
    return Fail("the file holds " + std::to_string(events.size()) + " events, the manifest says " +
                std::to_string(*event_count));

  const json org_id = manifest.contains("org_id") ? manifest.at("org_id") : json(nullptr);
  const bool org_export = !org_id.is_null();
  std::optional<std::string> previous_link;
  uint64_t previous_seq = 0;
  for (size_t i = 0; i < events.size(); ++i) {
    const json& e = events[i];
    auto seq = UnsignedField(e, "seq");
    std::string where = "event " + std::to_string(i + 1) + " (seq " + (seq ? std::to_string(*seq) : "?") + ")";
    if (!seq) return Fail(where + " has no seq (a non-negative integer)");
    if (i > 0 && *seq <= previous_seq) return Fail(where + " is out of order");
    previous_seq = *seq;
    if (org_export && (!e.contains("org_id") || e.at("org_id") != org_id)) return Fail(where + " belongs to another org");
    auto link = CheckEventHashes(e, org_export);
    if (!link.ok) return Fail(where + link.failure);
    if (previous_link && link.from != *previous_link)
      return Fail(where + ": " + (org_export ? "org_prev_hash" : "prev_hash") +
                  " does not link to the previous event (missing or re-ordered events)");
    previous_link = link.to;
  }
  if (!events.empty()) {
    auto first_seq = UnsignedField(manifest, "first_seq");
    auto last_seq = UnsignedField(manifest, "last_seq");
    if (first_seq != UnsignedField(events.front(), "seq") || last_seq != UnsignedField(events.back(), "seq"))
      return Fail("first_seq/last_seq do not match the file (truncated?)");
    if (StringField(manifest, "head_hash") != previous_link) return Fail("head_hash does not match the last event (truncated?)");
  }
  out.ok = true;
  out.message = "OK: " + std::to_string(events.size()) + " events, signature by " + out.public_key_id +
                ", file hash and every chain link verified";
  return out;
}

}  // namespace kl::exports
