// The folded point (app/folded_point.h): kept beside the projections, and compared with what the
// log holds at its seq.
#include <catch2/catch.hpp>

#include <filesystem>

#include "app/folded_point.h"

namespace fs = std::filesystem;
using namespace kl;
using kl::app::FoldedPoint;

namespace {
Event At(uint64_t seq, uint8_t mark) {
  Event e;
  e.seq = seq;
  e.hash[0] = mark;
  return e;
}
}  // namespace

TEST_CASE("the event at the folded seq with the folded hash matches; anything else is named") {
  FoldedPoint p{7, At(7, 1).hash};
  Event same = At(7, 1);
  CHECK_FALSE(app::FoldedPointMismatch(p, &same));
  Event other = At(7, 2);
  auto changed = app::FoldedPointMismatch(p, &other);
  REQUIRE(changed);
  CHECK(changed->find("the event at seq 7 is not the one this node folded") == 0);
  auto gone = app::FoldedPointMismatch(p, nullptr);
  REQUIRE(gone);
  CHECK(*gone == "the log no longer holds seq 7, which this node folded");
  Event later = At(8, 1);
  CHECK(app::FoldedPointMismatch(p, &later));
}

TEST_CASE("the folded point is written in a batch and read back; absent until one is") {
  char tmpl[] = "/tmp/kl-folded-point-XXXXXX";
  fs::path dir = ::mkdtemp(tmpl);
  {
    auto db = storage::Database::Open(dir.string(), {});
    REQUIRE(db.ok());
    CHECK_FALSE(app::LoadFoldedPoint(**db));
    rocksdb::WriteBatch batch;
    FoldedPoint p{42, At(42, 9).hash};
    app::RecordFoldedPoint(p, **db, batch);
    REQUIRE((*db)->db()->Write(rocksdb::WriteOptions(), &batch).ok());
    auto back = app::LoadFoldedPoint(**db);
    REQUIRE(back);
    CHECK(back->seq == 42);
    CHECK(back->hash == p.hash);
  }
  fs::remove_all(dir);
}
