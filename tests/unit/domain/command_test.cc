// NewEvent (domain/command.h): what a decide() step fills in, and what it leaves to the log.
#include <catch2/catch.hpp>

#include "domain/command.h"
#include "domain/ids.h"

using namespace kl;

TEST_CASE("NewEvent carries the command's actor and request and leaves sequencing to the log") {
  CommandContext ctx{1'800'000'000'000, Actor{"api_key", "key_1"}, "req_1"};
  Event e = NewEvent(ctx, "acme", std::string("key_2"), 7, KeyRevoked{});
  CHECK(IsId(e.id, "evt"));
  CHECK(e.org_id == "acme");
  CHECK(e.key_id == "key_2");
  CHECK(e.stream_version == 7);
  CHECK(e.actor == Actor{"api_key", "key_1"});
  CHECK(e.request_id == "req_1");
  CHECK(std::holds_alternative<KeyRevoked>(e.data));
  CHECK(e.seq == 0);  // assigned on append
  CHECK(NewEvent(ctx, "acme", std::nullopt, 1, KeyRevoked{}).id != e.id);
}
