// Ed25519 signing (OpenSSL) for the signed ledger head and export manifests. Pure crypto over
// PEM text; reading and writing the key file is the app's job.
#pragma once
#include <array>
#include <cstdint>
#include <memory>
#include <string>
#include <optional>
#include <string_view>

#include "domain/status.h"

namespace kl {

class Signer {
 public:
  static Result<std::shared_ptr<Signer>> Generate();
  static Result<std::shared_ptr<Signer>> FromPrivatePem(const std::string& pem);
  ~Signer();

  std::string PrivatePem() const;
  std::string PublicPem() const;
  // First 16 hex chars of SHA-256 of the DER SubjectPublicKeyInfo (docs/spec.md, Running).
  std::string PublicKeyId() const;
  // Base64 (standard alphabet, padded) Ed25519 signature of `message`.
  std::string SignBase64(std::string_view message) const;
  // HMAC-SHA256(raw private key, label): a secret only this key's holder can compute, for
  // deriving other secrets (webhook signing secrets) without storing them.
  std::array<uint8_t, 32> DeriveSecret(std::string_view label) const;

 private:
  explicit Signer(void* pkey) : pkey_(pkey) {}
  void* pkey_;  // EVP_PKEY*
};

// Verifies a base64 Ed25519 signature against a public key in PEM.
bool VerifyBase64(const std::string& public_pem, std::string_view message, const std::string& signature_b64);
std::string PublicKeyIdOfPem(const std::string& public_pem);

std::string Base64Encode(std::string_view bytes);
std::optional<std::string> Base64Decode(std::string_view text);

}  // namespace kl
