// ChainCheck (app/chain_check.h): the check `verify` and `cluster import` run over a log, event
// by event. Each way a log can be broken is named.
#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "app/chain_check.h"
#include "domain/command.h"
#include "events/chain.h"

using kl::Event;
using kl::Hash32;
using kl::app::ChainCheck;

namespace {

// A sealed log of `n` events alternating between two orgs, as the write path would append it.
std::vector<Event> SealedLog(int n) {
  kl::CommandContext ctx{1'800'000'000'000, kl::Actor{"admin", "admin"}, "req"};
  std::vector<Event> log;
  Hash32 head{};
  std::map<std::string, Hash32> org_heads;
  for (int i = 0; i < n; ++i) {
    std::string org = i % 2 ? "beta" : "acme";
    Event e = kl::NewEvent(ctx, org, std::nullopt, static_cast<uint64_t>(i / 2 + 1), kl::OrgUpdated{});
    e.seq = static_cast<uint64_t>(i + 1);
    e.recorded_at = ctx.now + i;
    kl::events::Seal(e, head, org_heads[org]);
    head = e.hash;
    org_heads[org] = e.org_hash;
    log.push_back(e);
  }
  return log;
}

// The first complaint over `log`, or nothing when it all checks.
std::optional<std::string> Check(const std::vector<Event>& log) {
  ChainCheck check;
  for (const Event& e : log)
    if (auto why = check.Add(e.seq, e)) return why;
  return std::nullopt;
}

}  // namespace

TEST_CASE("an intact log checks, and the check ends at its head") {
  auto log = SealedLog(6);
  ChainCheck check;
  for (const Event& e : log) REQUIRE_FALSE(check.Add(e.seq, e));
  CHECK(check.count() == 6);
  CHECK(check.head() == log.back().hash);
  CHECK(check.org_heads().at("acme").first == 5);
  CHECK(check.org_heads().at("beta").first == 6);
}

TEST_CASE("each way a log breaks is caught and named") {
  auto log = SealedLog(6);

  auto gap = log;
  gap.erase(gap.begin() + 2);
  CHECK(Check(gap) == "missing event (the log has a gap)");

  ChainCheck misfiled;
  REQUIRE_FALSE(misfiled.Add(1, log[0]));
  CHECK(misfiled.Add(2, log[2]) == "stored under the wrong sequence number");

  auto relinked = log;
  relinked[3].prev_hash[0] ^= 1;
  CHECK(Check(relinked) == "prev_hash does not link to the previous event");

  auto org_relinked = log;
  org_relinked[3].org_prev_hash[0] ^= 1;
  CHECK(Check(org_relinked) == "org_prev_hash does not link to the org's previous event");

  auto edited = log;
  edited[4].request_id = "req-edited";  // content changed, hashes left as they were
  CHECK(Check(edited) == "hash or org_hash does not match the event's content");
}
