#include "storage/bulk_load.h"

#include <filesystem>
#include <map>
#include <memory>
#include <string>

#include <catch2/catch.hpp>

#include "storage/database.h"
#include "tests/support/temp_dir.h"

using namespace kl;

namespace {
std::map<std::string, std::string> ReadAll(storage::Database& db, const std::string& cf) {
  std::map<std::string, std::string> out;
  std::unique_ptr<rocksdb::Iterator> it(db.db()->NewIterator(rocksdb::ReadOptions(), db.cf(cf)));
  for (it->SeekToFirst(); it->Valid(); it->Next()) out[it->key().ToString()] = it->value().ToString();
  REQUIRE(it->status().ok());
  return out;
}
}  // namespace

TEST_CASE("a bulk load ingests every column family's entries, sorted, the last Put of a key winning",
          "[storage][bulk_load]") {
  test::TempDir dir;
  auto db = std::move(storage::Database::Open(dir.path(), {"a", "b", "c"}).value());
  {
    storage::BulkLoad bulk(db.get());
    bulk.Put(db->cf("a"), "k2", "first");
    bulk.Put(db->cf("a"), "k1", "one");
    // Entries made on other threads come after what was Put: a key in both takes their value.
    storage::BulkLoad::Entries made = {{"k3", "three"}, {"k2", "second"}};
    bulk.PutAll(db->cf("a"), std::move(made));
    bulk.PutAll(db->cf("b"), {{"x", "1"}, {"x", "2"}});
    bulk.PutAll(db->cf("c"), {});  // an empty column family is not loaded at all
    REQUIRE(bulk.Finish().ok());
  }
  CHECK(ReadAll(*db, "a") == std::map<std::string, std::string>{{"k1", "one"}, {"k2", "second"}, {"k3", "three"}});
  CHECK(ReadAll(*db, "b") == std::map<std::string, std::string>{{"x", "2"}});
  CHECK(ReadAll(*db, "c").empty());
  // The scratch files were moved in, and their directory is gone.
  CHECK_FALSE(std::filesystem::exists(std::filesystem::path(db->db()->GetName()) / "bulk-load"));
}

TEST_CASE("a bulk load orders keys bytewise whatever prefixes, lengths and zero bytes they share",
          "[storage][bulk_load]") {
  test::TempDir dir;
  auto db = std::move(storage::Database::Open(dir.path(), {"a"}).value());
  // Keys sharing a long prefix (the sort looks past it), keys that are prefixes of others, zero
  // bytes against a key's end, high bytes (unsigned order), and repeats whose last Put wins.
  const std::string p = "key_01JXAAAAAAAAAA";
  std::vector<std::string> keys = {p + "b", p,        p + std::string(1, '\0'), p + std::string(2, '\0'),
                                   p + "a", p + "\xff", p + "a\xff",             p + "abcdefghij",
                                   p + "abcdefghi", p + "abcdefghij" + std::string(1, '\0'), p + "\x80"};
  std::map<std::string, std::string> expected;
  storage::BulkLoad bulk(db.get());
  int n = 0;
  for (int round = 0; round < 3; ++round) {
    for (const auto& k : keys) {
      std::string v = std::to_string(n++);
      bulk.Put(db->cf("a"), k, v);
      expected[k] = v;
    }
  }
  REQUIRE(bulk.Finish().ok());
  CHECK(ReadAll(*db, "a") == expected);  // std::map<std::string> orders bytewise, as RocksDB does
}
