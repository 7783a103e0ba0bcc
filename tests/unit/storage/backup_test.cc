// Online backups (storage/backup.h): a consistent checkpoint of the live database, with the named
// files beside it, under a name that appears only once the backup is whole.
#include <catch2/catch.hpp>

#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <memory>
#include <string>

#include <rocksdb/db.h>

#include "storage/backup.h"

namespace fs = std::filesystem;
using kl::storage::Backups;

namespace {

struct TempDir {
  fs::path path;
  TempDir() {
    char tmpl[] = "/tmp/kl-backup-XXXXXX";
    path = ::mkdtemp(tmpl);
  }
  ~TempDir() { fs::remove_all(path); }
};

std::unique_ptr<rocksdb::DB> OpenDb(const fs::path& dir) {
  rocksdb::Options options;
  options.create_if_missing = true;
  rocksdb::DB* raw = nullptr;
  REQUIRE(rocksdb::DB::Open(options, dir.string(), &raw).ok());
  return std::unique_ptr<rocksdb::DB>(raw);
}

}  // namespace

TEST_CASE("a backup holds every write acknowledged before it, unflushed ones too, and the named files") {
  TempDir tmp;
  auto db = OpenDb(tmp.path / "live");
  rocksdb::WriteOptions sync;
  sync.sync = true;
  REQUIRE(db->Put(sync, "seq-1", "event").ok());  // in the WAL only: never flushed
  std::ofstream(tmp.path / "signing.pem") << "key material";

  Backups backups(db.get(), (tmp.path / "backups").string(),
                  {(tmp.path / "signing.pem").string(), (tmp.path / "absent.file").string()});
  auto made = backups.Create("b1");
  REQUIRE(made.ok());
  CHECK(made->id == "b1");
  fs::path dir = made->path;
  CHECK(fs::exists(dir / "signing.pem"));
  CHECK_FALSE(fs::exists(dir / "absent.file"));  // a missing file is skipped, not an error
  struct stat st {};
  REQUIRE(::stat((dir / "signing.pem").c_str(), &st) == 0);
  CHECK((st.st_mode & 0777) == 0600);
  REQUIRE(::stat(dir.c_str(), &st) == 0);
  CHECK((st.st_mode & 0077) == 0);  // the directory is the owner's alone
  CHECK_FALSE(fs::exists(tmp.path / "backups" / ".b1.tmp"));

  auto restored = OpenDb(dir / "db");
  std::string value;
  REQUIRE(restored->Get(rocksdb::ReadOptions(), "seq-1", &value).ok());
  CHECK(value == "event");
}

TEST_CASE("a backup id is one new directory name") {
  TempDir tmp;
  auto db = OpenDb(tmp.path / "live");
  Backups backups(db.get(), (tmp.path / "backups").string(), {});
  for (const char* bad : {"", ".", "..", "a/b", "../escape"}) {
    INFO(bad);
    auto r = backups.Create(bad);
    REQUIRE_FALSE(r.ok());
    CHECK(r.status().code() == kl::Code::kValidation);
  }
  REQUIRE(backups.Create("once").ok());
  auto again = backups.Create("once");
  REQUIRE_FALSE(again.ok());
  CHECK(again.status().code() == kl::Code::kConflict);
}
