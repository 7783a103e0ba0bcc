// The ledger's signing key (app/signing_key.h): generated once into the data directory, or read
// from an operator's file that keyledger never writes.
#include <catch2/catch.hpp>

#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "app/signing_key.h"

namespace fs = std::filesystem;
using kl::app::LoadOrCreateSigningKey;

namespace {
struct TempDir {
  fs::path path;
  TempDir() {
    char tmpl[] = "/tmp/kl-signing-key-XXXXXX";
    path = ::mkdtemp(tmpl);
  }
  ~TempDir() { fs::remove_all(path); }
};
}  // namespace

TEST_CASE("the default key is made once, 0600, and the same key is loaded after") {
  TempDir dir;
  auto first = LoadOrCreateSigningKey(dir.path.string());
  REQUIRE(first.ok());
  fs::path pem = dir.path / "signing.pem";
  struct stat st {};
  REQUIRE(::stat(pem.c_str(), &st) == 0);
  CHECK((st.st_mode & 0777) == 0600);
  auto again = LoadOrCreateSigningKey(dir.path.string());
  REQUIRE(again.ok());
  CHECK((*again)->PublicKeyId() == (*first)->PublicKeyId());
}

TEST_CASE("a key file given by the operator is used as it is, and never created") {
  TempDir dir;
  auto made = kl::Signer::Generate();
  REQUIRE(made.ok());
  fs::path file = dir.path / "cluster.pem";
  std::ofstream(file) << (*made)->PrivatePem();
  auto loaded = LoadOrCreateSigningKey(dir.path.string(), file.string());
  REQUIRE(loaded.ok());
  CHECK((*loaded)->PublicKeyId() == (*made)->PublicKeyId());
  CHECK_FALSE(fs::exists(dir.path / "signing.pem"));

  auto missing = LoadOrCreateSigningKey(dir.path.string(), (dir.path / "absent.pem").string());
  REQUIRE_FALSE(missing.ok());
  CHECK_FALSE(fs::exists(dir.path / "absent.pem"));

  std::ofstream(dir.path / "junk.pem") << "not a key\n";
  auto junk = LoadOrCreateSigningKey(dir.path.string(), (dir.path / "junk.pem").string());
  REQUIRE_FALSE(junk.ok());
  CHECK(junk.status().message().find("junk.pem") != std::string::npos);  // names the file
}
