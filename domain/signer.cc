#include "domain/signer.h"

#include <cstdlib>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "domain/crypto.h"

namespace kl {

namespace {
EVP_PKEY* Key(void* p) { return static_cast<EVP_PKEY*>(p); }

std::string BioToString(BIO* bio) {
  char* data = nullptr;
  long n = BIO_get_mem_data(bio, &data);
  return std::string(data, n > 0 ? static_cast<size_t>(n) : 0);
}

std::string DerPublicKey(EVP_PKEY* key) {
  unsigned char* der = nullptr;
  int n = i2d_PUBKEY(key, &der);
  if (n <= 0) return {};
  std::string out(reinterpret_cast<char*>(der), static_cast<size_t>(n));
  OPENSSL_free(der);
  return out;
}
}  // namespace

std::string Base64Encode(std::string_view bytes) {
  std::string out(4 * ((bytes.size() + 2) / 3) + 1, '\0');
  int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                          reinterpret_cast<const unsigned char*>(bytes.data()), static_cast<int>(bytes.size()));
  out.resize(static_cast<size_t>(n));
  return out;
}

std::optional<std::string> Base64Decode(std::string_view text) {
  if (text.size() % 4 != 0) return std::nullopt;
  std::string out(3 * text.size() / 4 + 1, '\0');
  int n = EVP_DecodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                          reinterpret_cast<const unsigned char*>(text.data()), static_cast<int>(text.size()));
  if (n < 0) return std::nullopt;
  size_t pad = 0;
  if (!text.empty() && text.back() == '=') ++pad;
  if (text.size() > 1 && text[text.size() - 2] == '=') ++pad;
  out.resize(static_cast<size_t>(n) - pad);
  return out;
}

Result<std::shared_ptr<Signer>> Signer::Generate() {
  EVP_PKEY* key = EVP_PKEY_Q_keygen(nullptr, nullptr, "ED25519");
  if (!key) return Status(Code::kInternal, "cannot generate an Ed25519 key");
  return std::shared_ptr<Signer>(new Signer(key));
}

Result<std::shared_ptr<Signer>> Signer::FromPrivatePem(const std::string& pem) {
  BIO* bio = BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size()));
  EVP_PKEY* key = PEM_read_bio_PrivateKey(bio, nullptr, nullptr, nullptr);
  BIO_free(bio);
  if (!key) return Status(Code::kInternal, "the signing key is not a readable PEM private key");
  if (EVP_PKEY_get_id(key) != EVP_PKEY_ED25519) {
    EVP_PKEY_free(key);
    return Status(Code::kInternal, "the signing key is not Ed25519");
  }
  return std::shared_ptr<Signer>(new Signer(key));
}

Signer::~Signer() { EVP_PKEY_free(Key(pkey_)); }

std::string Signer::PrivatePem() const {
  BIO* bio = BIO_new(BIO_s_mem());
  PEM_write_bio_PrivateKey(bio, Key(pkey_), nullptr, nullptr, 0, nullptr, nullptr);
  std::string out = BioToString(bio);
  BIO_free(bio);
  return out;
}

std::string Signer::PublicPem() const {
  BIO* bio = BIO_new(BIO_s_mem());
  PEM_write_bio_PUBKEY(bio, Key(pkey_));
  std::string out = BioToString(bio);
  BIO_free(bio);
  return out;
}

std::string Signer::PublicKeyId() const { return ToHex(Sha256(DerPublicKey(Key(pkey_)))).substr(0, 16); }

std::string Signer::SignBase64(std::string_view message) const {
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  unsigned char sig[64];
  size_t len = sizeof sig;
  bool ok = EVP_DigestSignInit(ctx, nullptr, nullptr, nullptr, Key(pkey_)) == 1 &&
            EVP_DigestSign(ctx, sig, &len, reinterpret_cast<const unsigned char*>(message.data()), message.size()) == 1;
  EVP_MD_CTX_free(ctx);
  if (!ok) return {};
  return Base64Encode(std::string_view(reinterpret_cast<char*>(sig), len));
}

std::array<uint8_t, 32> Signer::DeriveSecret(std::string_view label) const {
  unsigned char raw[64];
  size_t len = sizeof raw;
  std::array<uint8_t, 32> out{};
  if (EVP_PKEY_get_raw_private_key(Key(pkey_), raw, &len) != 1) std::abort();  // an Ed25519 key always has one
  out = HmacSha256(std::string_view(reinterpret_cast<char*>(raw), len), label);
  OPENSSL_cleanse(raw, sizeof raw);
  return out;
}

static EVP_PKEY* ReadPublic(const std::string& pem) {
  BIO* bio = BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size()));
  EVP_PKEY* key = PEM_read_bio_PUBKEY(bio, nullptr, nullptr, nullptr);
  BIO_free(bio);
  return key;
}

bool VerifyBase64(const std::string& public_pem, std::string_view message, const std::string& signature_b64) {
  auto sig = Base64Decode(signature_b64);
  if (!sig) return false;
  EVP_PKEY* key = ReadPublic(public_pem);
  if (!key) return false;
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  bool ok = EVP_PKEY_get_id(key) == EVP_PKEY_ED25519 &&
            EVP_DigestVerifyInit(ctx, nullptr, nullptr, nullptr, key) == 1 &&
            EVP_DigestVerify(ctx, reinterpret_cast<const unsigned char*>(sig->data()), sig->size(),
                             reinterpret_cast<const unsigned char*>(message.data()), message.size()) == 1;
  EVP_MD_CTX_free(ctx);
  EVP_PKEY_free(key);
  return ok;
}

std::string PublicKeyIdOfPem(const std::string& public_pem) {
  EVP_PKEY* key = ReadPublic(public_pem);
  if (!key) return {};
  std::string id = ToHex(Sha256(DerPublicKey(key))).substr(0, 16);
  EVP_PKEY_free(key);
  return id;
}

}  // namespace kl
