// Database (storage/database.h): opens with storage's column families and the caller's, keeps
// what was written across a close, resets named families, and reports errors as values.
#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <string>

#include "storage/database.h"

namespace fs = std::filesystem;
using namespace kl;
using namespace kl::storage;

namespace {
struct TempDir {
  fs::path path;
  TempDir() {
    char tmpl[] = "/tmp/kl-database-XXXXXX";
    path = ::mkdtemp(tmpl);
  }
  ~TempDir() { fs::remove_all(path); }
};

std::string Get(const Database& db, const char* cf, const std::string& key) {
  std::string v;
  return db.db()->Get(rocksdb::ReadOptions(), db.cf(cf), key, &v).ok() ? v : "<none>";
}
}  // namespace

TEST_CASE("a database opens in a new directory with storage's families and the extra ones") {
  TempDir tmp;
  auto db = Database::Open((tmp.path / "new" / "dir").string(), {"p_extra"});
  REQUIRE(db.ok());
  for (const char* cf : {kLogCf, kStreamsCf, kOrgHeadsCf, kMetaCf, kCursorsCf, "p_extra"}) {
    INFO(cf);
    CHECK((*db)->cf(cf) != nullptr);
  }
  CHECK((*db)->cf("p_unknown") == nullptr);
  CHECK((*db)->WriteStallSeconds() == 0.0);
}

TEST_CASE("what was written is there after a close and a reopen") {
  TempDir tmp;
  {
    auto db = Database::Open(tmp.path.string(), {"p_extra"});
    REQUIRE(db.ok());
    REQUIRE((*db)->db()->Put(rocksdb::WriteOptions(), (*db)->cf(kMetaCf), "k", "v").ok());
    REQUIRE((*db)->db()->Put(rocksdb::WriteOptions(), (*db)->cf("p_extra"), "x", "y").ok());
    REQUIRE((*db)->Close().ok());
    CHECK((*db)->Close().ok());  // a second close is harmless
  }
  auto again = Database::Open(tmp.path.string(), {"p_extra"});
  REQUIRE(again.ok());
  CHECK(Get(**again, kMetaCf, "k") == "v");
  CHECK(Get(**again, "p_extra", "x") == "y");
}

TEST_CASE("resetting a family empties it and leaves the others") {
  TempDir tmp;
  auto db = Database::Open(tmp.path.string(), {"p_a", "p_b"});
  REQUIRE(db.ok());
  REQUIRE((*db)->db()->Put(rocksdb::WriteOptions(), (*db)->cf("p_a"), "k", "a").ok());
  REQUIRE((*db)->db()->Put(rocksdb::WriteOptions(), (*db)->cf("p_b"), "k", "b").ok());
  REQUIRE((*db)->ResetColumnFamilies({"p_a"}).ok());
  CHECK(Get(**db, "p_a", "k") == "<none>");
  CHECK(Get(**db, "p_b", "k") == "b");
  auto unknown = (*db)->ResetColumnFamilies({"p_unknown"});
  CHECK(unknown.code() == Code::kInternal);
}

TEST_CASE("a directory that cannot be a database is an error, not a crash") {
  TempDir tmp;
  fs::path file = tmp.path / "a-file";
  { std::ofstream(file) << "not a directory"; }
  auto db = Database::Open(file.string(), {});
  CHECK_FALSE(db.ok());
}

TEST_CASE("big-endian keys sort as their numbers do and decode to them") {
  for (uint64_t v : {uint64_t{0}, uint64_t{1}, uint64_t{255}, uint64_t{256}, uint64_t{1} << 40, ~uint64_t{0}}) {
    CHECK(EncodeBE64(v).size() == 8);
    CHECK(DecodeBE64(EncodeBE64(v)) == v);
  }
  CHECK(EncodeBE64(255) < EncodeBE64(256));
  CHECK(EncodeBE64(uint64_t{1} << 40) < EncodeBE64(~uint64_t{0}));
}

TEST_CASE("RocksDB's errors become statuses a caller can act on") {
  CHECK(FromRocks(rocksdb::Status::OK(), "x").ok());
  Status io = FromRocks(rocksdb::Status::IOError("disk"), "write");
  CHECK(io.code() == Code::kUnavailable);
  CHECK(io.message().find("write") == 0);
  CHECK(FromRocks(rocksdb::Status::Corruption("bad block"), "read").code() == Code::kInternal);
}
