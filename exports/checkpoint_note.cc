#include "exports/checkpoint_note.h"

#include <cctype>
#include <charconv>

#include "domain/crypto.h"

namespace kl::exports {

namespace {
// The DER SubjectPublicKeyInfo of an Ed25519 key is this prefix, then the 32 key bytes.
constexpr std::string_view kEd25519SpkiPrefix("\x30\x2a\x30\x05\x06\x03\x2b\x65\x70\x03\x21\x00", 12);
constexpr std::string_view kSignatureDash = "\xe2\x80\x94 ";  // U+2014 and a space
constexpr size_t kMaxNote = 64 * 1024;
constexpr size_t kMaxSignatures = 64;

std::string_view Bytes(const auto& a) { return std::string_view(reinterpret_cast<const char*>(a.data()), a.size()); }

Status Invalid(const char* field, std::string message) { return Status::Validation({{field, std::move(message)}}); }

std::optional<uint64_t> ParseDecimal(std::string_view s) {
  if (s.empty() || (s.size() > 1 && s[0] == '0')) return std::nullopt;
  uint64_t v = 0;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || p != s.data() + s.size()) return std::nullopt;
  return v;
}

// A key name: non-empty, no spaces, no '+', no newline (the signed-note grammar).
bool ValidName(std::string_view name) {
  if (name.empty()) return false;
  for (char c : name)
    if (c == ' ' || c == '+' || c == '\n' || c == '\t' || c == '\r') return false;
  return true;
}

std::vector<std::string_view> Lines(std::string_view text) {  // text ends in '\n'
  std::vector<std::string_view> out;
  while (!text.empty()) {
    size_t nl = text.find('\n');
    out.push_back(text.substr(0, nl));
    text.remove_prefix(nl + 1);
  }
  return out;
}

Result<NoteSignature> ParseSignatureLine(std::string_view line) {
  if (!line.starts_with(kSignatureDash)) return Invalid("signatures", "a signature line starts with an em dash and a space");
  line.remove_prefix(kSignatureDash.size());
  size_t space = line.find(' ');
  if (space == std::string_view::npos) return Invalid("signatures", "a signature line is '— <name> <base64>'");
  NoteSignature sig;
  sig.name = std::string(line.substr(0, space));
  if (!ValidName(sig.name)) return Invalid("signatures", "a signature's key name is not valid");
  auto blob = Base64Decode(line.substr(space + 1));
  if (!blob || blob->size() < 5) return Invalid("signatures", "a signature is not base64 of a key id and a signature");
  std::copy(blob->begin(), blob->begin() + 4, sig.id.begin());
  sig.signature = blob->substr(4);
  return sig;
}

const NoteSignature* FindSignature(const CheckpointNote& note, const VerifierKey& key) {
  for (const NoteSignature& s : note.signatures)
    if (s.name == key.name && s.id == key.id) return &s;
  return nullptr;
}
}  // namespace

std::optional<Ed25519Key> RawEd25519Key(const std::string& public_pem) {
  size_t begin = public_pem.find("-----BEGIN PUBLIC KEY-----");
  size_t end = public_pem.find("-----END PUBLIC KEY-----");
  if (begin == std::string::npos || end == std::string::npos || end < begin) return std::nullopt;
  std::string b64;
  for (size_t i = begin + 26; i < end; ++i)
    if (!std::isspace(static_cast<unsigned char>(public_pem[i]))) b64 += public_pem[i];
  auto der = Base64Decode(b64);
  if (!der || der->size() != kEd25519SpkiPrefix.size() + 32 || !der->starts_with(kEd25519SpkiPrefix))
    return std::nullopt;
  Ed25519Key key;
  std::copy(der->begin() + kEd25519SpkiPrefix.size(), der->end(), key.begin());
  return key;
}

std::string Ed25519PemOfRaw(const Ed25519Key& key) {
  std::string der(kEd25519SpkiPrefix);
  der += Bytes(key);
  return "-----BEGIN PUBLIC KEY-----\n" + Base64Encode(der) + "\n-----END PUBLIC KEY-----\n";
}

NoteKeyId MakeNoteKeyId(std::string_view name, uint8_t algorithm, const Ed25519Key& key) {
  std::string m(name);
  m += '\n';
  m += static_cast<char>(algorithm);
  m += Bytes(key);
  Hash32 h = Sha256(m);
  NoteKeyId id;
  std::copy(h.begin(), h.begin() + 4, id.begin());
  return id;
}

Result<VerifierKey> ParseVerifierKey(std::string_view text) {
  size_t p1 = text.find('+');
  size_t p2 = p1 == std::string_view::npos ? p1 : text.find('+', p1 + 1);
  if (p2 == std::string_view::npos) return Invalid("key", "a verifier key is <name>+<hex key id>+<base64 key>");
  VerifierKey k;
  k.name = std::string(text.substr(0, p1));
  if (!ValidName(k.name)) return Invalid("key", "the verifier key's name is not valid");
  auto raw = Base64Decode(text.substr(p2 + 1));
  if (!raw || raw->size() != 33) return Invalid("key", "the verifier key is not base64 of a type byte and 32 bytes");
  k.algorithm = static_cast<uint8_t>((*raw)[0]);
  if (k.algorithm != kNoteEd25519 && k.algorithm != kNoteCosignatureV1)
    return Invalid("key", "the verifier key's type is neither Ed25519 (01) nor cosignature/v1 (04)");
  std::copy(raw->begin() + 1, raw->end(), k.key.begin());
  k.id = MakeNoteKeyId(k.name, k.algorithm, k.key);
  if (text.substr(p1 + 1, p2 - p1 - 1) != ToHex(k.id.data(), k.id.size()))
    return Invalid("key", "the verifier key's id does not match its name and key");
  return k;
}

std::string FormatVerifierKey(const VerifierKey& key) {
  std::string raw(1, static_cast<char>(key.algorithm));
  raw += Bytes(key.key);
  return key.name + "+" + ToHex(key.id.data(), key.id.size()) + "+" + Base64Encode(raw);
}

std::string CheckpointBody(const Checkpoint& c) {
  return c.origin + "\n" + std::to_string(c.size) + "\n" + Base64Encode(Bytes(c.root)) + "\n";
}

std::string SignatureLine(const NoteSignature& s) {
  std::string blob(Bytes(s.id));
  blob += s.signature;
  return std::string(kSignatureDash) + s.name + " " + Base64Encode(blob) + "\n";
}

Result<CheckpointNote> ParseCheckpointNote(std::string_view text) {
  if (text.size() > kMaxNote) return Invalid("checkpoint", "the note is longer than 64 KiB");
  if (text.empty() || text.back() != '\n') return Invalid("checkpoint", "the note does not end in a newline");
  size_t split = text.rfind("\n\n");  // as Go's note.Open: the last blank line
  if (split == std::string_view::npos) return Invalid("checkpoint", "the note has no blank line before its signatures");
  CheckpointNote note;
  note.body = std::string(text.substr(0, split + 1));
  std::vector<std::string_view> body = Lines(note.body);
  if (body.size() < 3) return Invalid("checkpoint", "a checkpoint has an origin, a tree size and a root hash");
  if (body[0].empty()) return Invalid("origin", "the origin line is empty");
  note.checkpoint.origin = std::string(body[0]);
  auto size = ParseDecimal(body[1]);
  if (!size) return Invalid("tree_size", "the tree size is not a decimal integer");
  note.checkpoint.size = *size;
  auto root = Base64Decode(body[2]);
  if (!root || root->size() != 32) return Invalid("root_hash", "the root hash is not base64 of 32 bytes");
  std::copy(root->begin(), root->end(), note.checkpoint.root.begin());
  for (size_t i = 3; i < body.size(); ++i)
    if (body[i].empty()) return Invalid("checkpoint", "an extension line is empty");
  for (std::string_view line : Lines(text.substr(split + 2))) {
    auto sig = ParseSignatureLine(line);
    if (!sig.ok()) return sig.status();
    note.signatures.push_back(std::move(*sig));
    if (note.signatures.size() > kMaxSignatures) return Invalid("signatures", "more than 64 signatures");
  }
  if (note.signatures.empty()) return Invalid("signatures", "the note has no signature");
  return note;
}

std::string SignCheckpoint(const Checkpoint& checkpoint, const Signer& signer, const std::string& name) {
  std::string body = CheckpointBody(checkpoint);
  auto key = RawEd25519Key(signer.PublicPem());
  NoteSignature sig{name, key ? MakeNoteKeyId(name, kNoteEd25519, *key) : NoteKeyId{},
                    Base64Decode(signer.SignBase64(body)).value_or("")};
  return body + "\n" + SignatureLine(sig);
}

bool VerifyNoteSignature(const CheckpointNote& note, const VerifierKey& key) {
  if (key.algorithm != kNoteEd25519) return false;
  const NoteSignature* s = FindSignature(note, key);
  if (!s || s->signature.size() != 64) return false;
  return VerifyBase64(Ed25519PemOfRaw(key.key), note.body, Base64Encode(s->signature));
}

std::string CosignedMessage(std::string_view body, uint64_t timestamp) {
  return "cosignature/v1\ntime " + std::to_string(timestamp) + "\n" + std::string(body);
}

std::optional<uint64_t> VerifyCosignature(const CheckpointNote& note, const VerifierKey& key) {
  if (key.algorithm != kNoteCosignatureV1) return std::nullopt;
  const NoteSignature* s = FindSignature(note, key);
  if (!s || s->signature.size() != 8 + 64) return std::nullopt;
  uint64_t t = 0;
  for (int i = 0; i < 8; ++i) t = (t << 8) | static_cast<uint8_t>(s->signature[i]);
  if (!VerifyBase64(Ed25519PemOfRaw(key.key), CosignedMessage(note.body, t), Base64Encode(s->signature.substr(8))))
    return std::nullopt;
  return t;
}

NoteSignature Cosign(std::string_view body, const Signer& witness, const std::string& name, uint64_t timestamp) {
  auto key = RawEd25519Key(witness.PublicPem());
  NoteSignature sig{name, key ? MakeNoteKeyId(name, kNoteCosignatureV1, *key) : NoteKeyId{}, std::string(8, '\0')};
  for (int i = 0; i < 8; ++i) sig.signature[i] = static_cast<char>(timestamp >> (56 - 8 * i));
  sig.signature += Base64Decode(witness.SignBase64(CosignedMessage(body, timestamp))).value_or("");
  return sig;
}

}  // namespace kl::exports
