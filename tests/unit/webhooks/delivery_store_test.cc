// DeliveryStore (webhooks/delivery_store.h): a webhook's delivery state survives in the node's
// store, and on a cluster node the cursor also goes to the shared cursors, only forwards.
#include <catch2/catch.hpp>

#include <filesystem>
#include <map>
#include <string>

#include "webhooks/delivery_store.h"

namespace fs = std::filesystem;
using kl::webhooks::DeliveryState;
using kl::webhooks::DeliveryStore;

namespace {

struct TempDb {
  fs::path path;
  std::unique_ptr<kl::storage::Database> db;
  TempDb() {
    char tmpl[] = "/tmp/kl-delivery-XXXXXX";
    path = ::mkdtemp(tmpl);
    auto opened = kl::storage::Database::Open(path.string(), {});
    REQUIRE(opened.ok());
    db = std::move(*opened);
  }
  ~TempDb() {
    db.reset();
    fs::remove_all(path);
  }
};

// Shared cursors in memory, counting round trips; `down` makes every call fail as PostgreSQL
// unreachable would.
class FakeSharedCursors : public kl::storage::SharedCursors {
 public:
  kl::Result<uint64_t> Get(const std::string& name) override {
    if (down) return kl::Status(kl::Code::kUnavailable, "down");
    return positions[name];
  }
  kl::Status Advance(const std::string& name, uint64_t position) override {
    ++advances;
    if (down) return kl::Status(kl::Code::kUnavailable, "down");
    positions[name] = std::max(positions[name], position);
    return kl::Status::Ok();
  }
  std::map<std::string, uint64_t> positions;
  int advances = 0;
  bool down = false;
};

DeliveryState AtCursor(uint64_t cursor) {
  DeliveryState s;
  s.cursor = cursor;
  return s;
}

DeliveryState Failing(uint64_t cursor, const std::string& error) {
  DeliveryState s = AtCursor(cursor);
  s.last_error = error;
  return s;
}

}  // namespace

TEST_CASE("the delivery state is saved, read back whole, and erased") {
  TempDb t;
  DeliveryStore store(t.db.get());
  CHECK_FALSE(store.Load("whk_1"));
  DeliveryState s{42, 1000, std::string("HTTP 500"), 900};
  REQUIRE(store.Save("whk_1", s).ok());
  auto back = store.Load("whk_1");
  REQUIRE(back);
  CHECK(back->cursor == 42);
  CHECK(back->last_delivery_at == 1000);
  CHECK(back->last_error == "HTTP 500");
  CHECK(back->failing_since == 900);
  CHECK(store.LoadToResume("whk_1")->cursor == 42);  // no shared cursors: the node's own
  REQUIRE(store.Erase("whk_1").ok());
  CHECK_FALSE(store.Load("whk_1"));
}

TEST_CASE("on a cluster node the shared cursor moves only forward, and a further one wins on resume") {
  TempDb t;
  FakeSharedCursors shared;
  DeliveryStore store(t.db.get(), &shared);
  REQUIRE(store.Save("whk_1", AtCursor(10)).ok());
  CHECK(shared.positions["webhook:whk_1"] == 10);
  REQUIRE(store.Save("whk_1", Failing(10, "timeout")).ok());
  CHECK(shared.advances == 1);  // a failure noted at the same cursor costs no round trip

  shared.positions["webhook:whk_1"] = 25;  // another node delivered further meanwhile
  CHECK(store.Load("whk_1")->cursor == 10);
  CHECK(store.LoadToResume("whk_1")->cursor == 25);
  CHECK_FALSE(store.LoadToResume("whk_2"));  // none here, none shared: the dispatcher starts at the webhook's creation
}

TEST_CASE("when the shared cursors cannot be reached, the node resumes from its own and retries the advance") {
  TempDb t;
  FakeSharedCursors shared;
  DeliveryStore store(t.db.get(), &shared);
  shared.down = true;
  REQUIRE(store.Save("whk_1", AtCursor(7)).ok());  // the node's own record is still saved
  CHECK(store.LoadToResume("whk_1")->cursor == 7);
  shared.down = false;
  REQUIRE(store.Save("whk_1", AtCursor(7)).ok());  // not stored before, so tried again
  CHECK(shared.positions["webhook:whk_1"] == 7);
}
