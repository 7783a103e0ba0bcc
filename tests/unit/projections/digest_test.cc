// ProjectionDigest (projections/digest.h): equal projections digest equally, and any change to a
// key, a value or a column family shows.
#include <catch2/catch.hpp>

#include <filesystem>
#include <string>

#include "projections/digest.h"
#include "projections/projector.h"

namespace fs = std::filesystem;
using kl::projections::ColumnFamilies;
using kl::projections::ProjectionDigest;
using kl::storage::Database;

namespace {

struct TempDir {
  fs::path path;
  TempDir() {
    char tmpl[] = "/tmp/kl-digest-XXXXXX";
    path = ::mkdtemp(tmpl);
  }
  ~TempDir() { fs::remove_all(path); }
};

std::unique_ptr<Database> Open(const fs::path& dir) {
  auto db = Database::Open(dir.string(), ColumnFamilies());
  REQUIRE(db.ok());
  return std::move(*db);
}

void Put(Database& db, const std::string& cf, const std::string& k, const std::string& v) {
  REQUIRE(db.db()->Put(rocksdb::WriteOptions(), db.cf(cf), k, v).ok());
}

}  // namespace

TEST_CASE("two databases with the same projection rows have the same digest, in any write order") {
  TempDir tmp;
  auto a = Open(tmp.path / "a");
  auto b = Open(tmp.path / "b");
  const std::string first = ColumnFamilies().front();
  const std::string last = ColumnFamilies().back();
  CHECK(ProjectionDigest(*a) == ProjectionDigest(*b));
  Put(*a, first, "k1", "v1");
  Put(*a, last, "k2", "v2");
  Put(*b, last, "k2", "v2");
  Put(*b, first, "k1", "v1");
  CHECK(ProjectionDigest(*a) == ProjectionDigest(*b));
  CHECK(ProjectionDigest(*a).size() == 64);
}

TEST_CASE("a changed value, a moved boundary or another column family changes the digest") {
  TempDir tmp;
  auto base = Open(tmp.path / "base");
  auto value = Open(tmp.path / "value");
  auto boundary = Open(tmp.path / "boundary");
  auto family = Open(tmp.path / "family");
  const std::string cf = ColumnFamilies().front();
  REQUIRE(ColumnFamilies().size() >= 2);
  Put(*base, cf, "ab", "c");
  Put(*value, cf, "ab", "d");
  Put(*boundary, cf, "a", "bc");  // the same bytes concatenated, split elsewhere
  Put(*family, ColumnFamilies()[1], "ab", "c");
  const std::string d = ProjectionDigest(*base);
  CHECK(ProjectionDigest(*value) != d);
  CHECK(ProjectionDigest(*boundary) != d);
  CHECK(ProjectionDigest(*family) != d);
}
