// Ed25519 signing of ledger heads and export manifests (domain/signer.h).
#include <catch2/catch.hpp>

#include <string>

#include "domain/crypto.h"
#include "domain/signer.h"

using namespace kl;

TEST_CASE("a signature verifies under its own public key only, and only for its message") {
  auto a = Signer::Generate();
  auto b = Signer::Generate();
  REQUIRE(a.ok());
  REQUIRE(b.ok());
  std::string sig = (*a)->SignBase64("head 42");
  CHECK(VerifyBase64((*a)->PublicPem(), "head 42", sig));
  CHECK_FALSE(VerifyBase64((*a)->PublicPem(), "head 43", sig));
  CHECK_FALSE(VerifyBase64((*b)->PublicPem(), "head 42", sig));
  std::string flipped = sig;
  flipped[3] = flipped[3] == 'A' ? 'B' : 'A';
  CHECK_FALSE(VerifyBase64((*a)->PublicPem(), "head 42", flipped));
  CHECK_FALSE(VerifyBase64((*a)->PublicPem(), "head 42", "not base64!"));
  CHECK_FALSE(VerifyBase64("not a pem", "head 42", sig));
}

TEST_CASE("a key read back from its PEM signs the same and has the same id") {
  auto a = Signer::Generate();
  REQUIRE(a.ok());
  auto again = Signer::FromPrivatePem((*a)->PrivatePem());
  REQUIRE(again.ok());
  CHECK((*again)->PublicPem() == (*a)->PublicPem());
  CHECK((*again)->PublicKeyId() == (*a)->PublicKeyId());
  CHECK((*again)->SignBase64("m") == (*a)->SignBase64("m"));  // Ed25519 is deterministic
  CHECK((*a)->PublicKeyId().size() == 16);
  CHECK(PublicKeyIdOfPem((*a)->PublicPem()) == (*a)->PublicKeyId());
  CHECK_FALSE(Signer::FromPrivatePem("-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n").ok());
}

TEST_CASE("derived secrets depend on the key and the label") {
  auto a = Signer::Generate();
  auto b = Signer::Generate();
  REQUIRE(a.ok());
  REQUIRE(b.ok());
  CHECK((*a)->DeriveSecret("x") == (*a)->DeriveSecret("x"));
  CHECK((*a)->DeriveSecret("x") != (*a)->DeriveSecret("y"));
  CHECK((*a)->DeriveSecret("x") != (*b)->DeriveSecret("x"));
}

TEST_CASE("base64 is the standard padded alphabet both ways") {
  CHECK(Base64Encode("") == "");
  CHECK(Base64Encode("f") == "Zg==");
  CHECK(Base64Encode("fo") == "Zm8=");
  CHECK(Base64Encode("foo") == "Zm9v");
  CHECK(Base64Encode("\xfb\xff") == "+/8=");
  for (std::string s : {"", "f", "fo", "foo", "foob", "fooba", "foobar", "\xfb\xff\x00\x01"})
    CHECK(Base64Decode(Base64Encode(s)) == s);
  CHECK_FALSE(Base64Decode("Zg=").has_value());
  CHECK_FALSE(Base64Decode("Z!==").has_value());
}
