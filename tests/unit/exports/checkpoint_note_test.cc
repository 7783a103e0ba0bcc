#include "exports/checkpoint_note.h"

#include <catch2/catch.hpp>

#include "domain/crypto.h"
#include "storage/merkle.h"

using namespace kl;
using namespace kl::exports;

namespace {
const Signer& LedgerKey() {
  static auto signer = *Signer::Generate();
  return *signer;
}
const Signer& WitnessKey() {
  static auto signer = *Signer::Generate();
  return *signer;
}
VerifierKey KeyOf(const Signer& s, const std::string& name, uint8_t algorithm) {
  VerifierKey k{name, algorithm, *RawEd25519Key(s.PublicPem()), {}};
  k.id = MakeNoteKeyId(name, algorithm, k.key);
  return k;
}
Checkpoint Sample() { return Checkpoint{"keyledger/test", 5, storage::merkle::LeafHash("x")}; }
}  // namespace

TEST_CASE("the signed-note specification's own verifier key and signature check", "[checkpoint_note]") {
  auto key = ParseVerifierKey("PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW");
  REQUIRE(key.ok());
  CHECK(key->name == "PeterNeumann");
  CHECK(FormatVerifierKey(*key) == "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW");
  std::string text = "If you think cryptography is the answer to your problem,\nthen you don't know what your problem is.\n";
  auto blob = Base64Decode("x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=");
  REQUIRE(blob);
  REQUIRE(blob->size() == 68);
  CHECK(ToHex(reinterpret_cast<const uint8_t*>(blob->data()), 4) == "c74f20a3");
  CHECK(VerifyBase64(Ed25519PemOfRaw(key->key), text, Base64Encode(blob->substr(4))));
  CHECK_FALSE(VerifyBase64(Ed25519PemOfRaw(key->key), text + " ", Base64Encode(blob->substr(4))));
  // A key id that does not match the name and key is refused.
  CHECK_FALSE(ParseVerifierKey("PeterNeumann+c74f20a4+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW").ok());
  CHECK_FALSE(ParseVerifierKey("PeterNeumann+c74f20a3").ok());
}

TEST_CASE("a signed checkpoint parses back and verifies under the ledger key only", "[checkpoint_note]") {
  std::string note = SignCheckpoint(Sample(), LedgerKey(), "keyledger/test");
  CHECK(note.starts_with("keyledger/test\n5\n" + Base64Encode(std::string_view(
                                                      reinterpret_cast<const char*>(Sample().root.data()), 32)) +
                         "\n\n\xe2\x80\x94 keyledger/test "));
  auto parsed = ParseCheckpointNote(note);
  REQUIRE(parsed.ok());
  CHECK(parsed->checkpoint.origin == "keyledger/test");
  CHECK(parsed->checkpoint.size == 5);
  CHECK(parsed->checkpoint.root == Sample().root);
  CHECK(VerifyNoteSignature(*parsed, KeyOf(LedgerKey(), "keyledger/test", kNoteEd25519)));
  CHECK_FALSE(VerifyNoteSignature(*parsed, KeyOf(WitnessKey(), "keyledger/test", kNoteEd25519)));
  CHECK_FALSE(VerifyNoteSignature(*parsed, KeyOf(LedgerKey(), "other", kNoteEd25519)));
  // One bit of the body changed: the size 5 becomes 4.
  std::string tampered = note;
  tampered[note.find("\n5\n") + 1] ^= 1;
  auto bad = ParseCheckpointNote(tampered);
  REQUIRE(bad.ok());
  CHECK_FALSE(VerifyNoteSignature(*bad, KeyOf(LedgerKey(), "keyledger/test", kNoteEd25519)));
}

TEST_CASE("a witness cosignature verifies with its timestamp; a changed one does not", "[checkpoint_note]") {
  std::string note = SignCheckpoint(Sample(), LedgerKey(), "keyledger/test");
  auto parsed = ParseCheckpointNote(note);
  REQUIRE(parsed.ok());
  NoteSignature cosig = Cosign(parsed->body, WitnessKey(), "witness.example/w1", 1700000000);
  auto cosigned = ParseCheckpointNote(note + SignatureLine(cosig));
  REQUIRE(cosigned.ok());
  REQUIRE(cosigned->signatures.size() == 2);
  VerifierKey witness = KeyOf(WitnessKey(), "witness.example/w1", kNoteCosignatureV1);
  CHECK(VerifyCosignature(*cosigned, witness) == std::optional<uint64_t>(1700000000));
  CHECK(VerifyNoteSignature(*cosigned, KeyOf(LedgerKey(), "keyledger/test", kNoteEd25519)));
  // The key in Ed25519 note form is a different key id: it does not match the cosignature.
  CHECK_FALSE(VerifyCosignature(*cosigned, KeyOf(WitnessKey(), "witness.example/w1", kNoteEd25519)));
  cosig.signature[7] ^= 1;  // the timestamp
  auto changed = ParseCheckpointNote(note + SignatureLine(cosig));
  REQUIRE(changed.ok());
  CHECK_FALSE(VerifyCosignature(*changed, witness));
  CHECK(ParseVerifierKey(FormatVerifierKey(witness)).ok());
}

TEST_CASE("malformed checkpoint notes are refused naming what is wrong", "[checkpoint_note]") {
  auto field = [](std::string_view text) {
    auto r = ParseCheckpointNote(text);
    REQUIRE_FALSE(r.ok());
    REQUIRE(r.status().code() == Code::kValidation);
    return r.status().fields().begin()->first;
  };
  std::string root = Base64Encode(std::string(32, 'a'));
  std::string sig = "\xe2\x80\x94 k " + Base64Encode(std::string(68, 'b')) + "\n";
  CHECK(field("") == "checkpoint");
  CHECK(field("o\n1\n" + root + "\n") == "checkpoint");
  CHECK(field("o\n1\n" + root + "\n\n") == "signatures");
  CHECK(field("o\n01\n" + root + "\n\n" + sig) == "tree_size");
  CHECK(field("o\n-1\n" + root + "\n\n" + sig) == "tree_size");
  CHECK(field("o\n99999999999999999999\n" + root + "\n\n" + sig) == "tree_size");
  CHECK(field("o\n1\nAAAA\n\n" + sig) == "root_hash");
  CHECK(field("\n1\n" + root + "\n\n" + sig) == "origin");
  CHECK(field("o\n1\n" + root + "\n\n-- k abc\n") == "signatures");
  CHECK(field("o\n1\n" + root + "\n\n\xe2\x80\x94 k+x " + Base64Encode(std::string(68, 'b')) + "\n") == "signatures");
  CHECK(ParseCheckpointNote("o\n1\n" + root + "\next\n\n" + sig).ok());
}
