#include "projections/digest.h"

#include <openssl/evp.h>

#include "domain/crypto.h"
#include "projections/projector.h"

namespace kl::projections {

std::string ProjectionDigest(const storage::Database& db) {
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  EVP_DigestInit_ex(ctx, EVP_sha256(), nullptr);
  auto feed = [&](const rocksdb::Slice& s) {
    uint64_t n = s.size();  // length-prefixed, so boundaries cannot be forged by concatenation
    EVP_DigestUpdate(ctx, &n, sizeof n);
    EVP_DigestUpdate(ctx, s.data(), s.size());
  };
  for (const auto& name : ColumnFamilies()) {
    feed(name);
    std::unique_ptr<rocksdb::Iterator> it(db.db()->NewIterator(rocksdb::ReadOptions(), db.cf(name)));
    for (it->SeekToFirst(); it->Valid(); it->Next()) {
      feed(it->key());
      feed(it->value());
    }
  }
  Hash32 h;
  unsigned int len = 0;
  EVP_DigestFinal_ex(ctx, h.data(), &len);
  EVP_MD_CTX_free(ctx);
  return ToHex(h);
}

}  // namespace kl::projections
