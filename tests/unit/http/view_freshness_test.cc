#include "http/view_freshness.h"

#include <catch2/catch.hpp>

#include "http/key_check.h"
#include "http/metrics.h"

using namespace kl;
using namespace kl::http;
using std::chrono::milliseconds;

TEST_CASE("view freshness: stale only past the max, and validations refused 503 then", "[http][cluster]") {
  milliseconds age{0};
  ViewFreshness freshness([&age] { return age; }, milliseconds(2000));
  Services services;
  CHECK(ViewFreshEnough(services).ok());  // an embedded node has no view to go stale

  services.freshness = &freshness;
  CHECK_FALSE(freshness.Stale());
  CHECK(ViewFreshEnough(services).ok());
  age = milliseconds(2000);  // at the max: still answered
  CHECK_FALSE(freshness.Stale());
  CHECK(ViewFreshEnough(services).ok());
  age = milliseconds(2001);
  CHECK(freshness.Stale());
  Status refused = ViewFreshEnough(services);
  CHECK(refused.code() == Code::kUnavailable);
  CHECK(refused.message().find("max staleness") != std::string::npos);
}

TEST_CASE("metrics: the view age gauge is there on a cluster node only", "[http][cluster]") {
  Metrics metrics({"GET /readyz"});
  storage::LogStats stats;
  CHECK(metrics.Render(stats, 7).find("keyledger_cluster_view_age_seconds") == std::string::npos);
  CHECK(metrics.Render(stats, 7, 1.5).find("\nkeyledger_cluster_view_age_seconds 1.5\n") != std::string::npos);
}
