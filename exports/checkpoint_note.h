// Checkpoints of the log's Merkle tree as C2SP signed notes (docs/audit.md, "Transparency log"):
//
//   <origin>\n<tree size>\n<base64 root hash>\n
//   \n
//   — <key name> <base64(key id[4] || Ed25519 signature[64])>\n
//   — <witness name> <base64(key id[4] || timestamp[8, big-endian] || Ed25519 signature[64])>\n
//
// The ledger signs the body with its signing key (key id: the first 4 bytes of
// SHA-256(name || "\n" || 0x01 || public key)); a witness signs "cosignature/v1\ntime <t>\n" ||
// body (key id with 0x04 in place of 0x01). Formatting, parsing and verification: no I/O.
#pragma once
#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "domain/event.h"
#include "domain/signer.h"
#include "domain/status.h"

namespace kl::exports {

using Ed25519Key = std::array<uint8_t, 32>;
using NoteKeyId = std::array<uint8_t, 4>;
inline constexpr uint8_t kNoteEd25519 = 0x01;
inline constexpr uint8_t kNoteCosignatureV1 = 0x04;

// The 32 raw bytes of an Ed25519 public key in PEM (SubjectPublicKeyInfo), and back.
std::optional<Ed25519Key> RawEd25519Key(const std::string& public_pem);
std::string Ed25519PemOfRaw(const Ed25519Key& key);
NoteKeyId MakeNoteKeyId(std::string_view name, uint8_t algorithm, const Ed25519Key& key);

// A verifier key in the signed-note text form: <name>+<hex key id>+<base64(algorithm || key)>.
struct VerifierKey {
  std::string name;
  uint8_t algorithm = kNoteEd25519;
  Ed25519Key key{};
  NoteKeyId id{};
};
Result<VerifierKey> ParseVerifierKey(std::string_view text);
std::string FormatVerifierKey(const VerifierKey& key);

struct Checkpoint {
  std::string origin;
  uint64_t size = 0;
  Hash32 root{};
};
std::string CheckpointBody(const Checkpoint& checkpoint);

struct NoteSignature {
  std::string name;
  NoteKeyId id{};
  std::string signature;  // the bytes after the key id
};
std::string SignatureLine(const NoteSignature& signature);

struct CheckpointNote {
  std::string body;  // the signed text, through its last newline
  Checkpoint checkpoint;
  std::vector<NoteSignature> signatures;
};
// A checkpoint note, its signatures not yet checked. kValidation naming what is wrong.
Result<CheckpointNote> ParseCheckpointNote(std::string_view text);

// The note signed by `signer` under `name`: body, blank line, one signature line.
std::string SignCheckpoint(const Checkpoint& checkpoint, const Signer& signer, const std::string& name);
// True when a signature of `key` (an Ed25519 note key) on the note verifies.
bool VerifyNoteSignature(const CheckpointNote& note, const VerifierKey& key);

// The message a cosigner signs at `timestamp` (seconds since the epoch).
std::string CosignedMessage(std::string_view body, uint64_t timestamp);
// The cosignature of `key` (a cosignature/v1 key) on the note, verified: its timestamp, or nullopt.
std::optional<uint64_t> VerifyCosignature(const CheckpointNote& note, const VerifierKey& key);
// A cosignature line over `body` by a witness's private key (for tests and witnesses' tooling).
NoteSignature Cosign(std::string_view body, const Signer& witness, const std::string& name, uint64_t timestamp);

}  // namespace kl::exports
