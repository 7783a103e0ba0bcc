// /metrics (docs/operations.md, Monitoring): Prometheus text that a scraper can parse, with the counters it promises.
#include <catch2/catch.hpp>

#include <regex>

#include "tests/e2e/kl_server.h"

using namespace kl::e2e;

namespace {
// Parses the text exposition format: "name{labels} value" lines into a map (comments skipped).
std::map<std::string, double> Parse(const std::string& text) {
  std::map<std::string, double> out;
  std::istringstream lines(text);
  std::string line;
  std::regex sample(R"(^([a-z_]+(\{.*\})?) ([0-9.eE+-]+|\+Inf)$)");  // label values may hold braces
  while (std::getline(lines, line)) {
    if (line.empty() || line[0] == '#') continue;
    std::smatch m;
    INFO(line);
    REQUIRE(std::regex_match(line, m, sample));
    out[m[1]] = std::stod(m[3]);
  }
  return out;
}
}  // namespace

TEST_CASE("/metrics: requests by route and status, sub-millisecond latency buckets, validations, events",
          "[e2e][metrics]") {
  Server server;
  auto admin = server.Admin();
  CreateOrg(*admin, "acme");
  auto key = CreateKey(*admin, "acme");
  for (int i = 0; i < 3; ++i) Validate(*admin, key.value);
  Validate(*admin, "nonsense");
  admin->Get("/v1/nowhere");
  auto r = Client(server.Url()).Get("/metrics");
  REQUIRE(r.status == 200);
  CHECK(r.Header("content-type").rfind("text/plain", 0) == 0);
  auto m = Parse(r.body);
  CHECK(m["keyledger_http_requests_total{route=\"POST /v1/validations\",status=\"200\"}"] == 4);
  CHECK(m["keyledger_http_requests_total{route=\"POST /v1/orgs/{org}/api-keys\",status=\"201\"}"] == 1);
  CHECK(m["keyledger_http_requests_total{route=\"unmatched\",status=\"404\"}"] == 1);
  CHECK(m["keyledger_validations_total{code=\"VALID\"}"] == 3);
  CHECK(m["keyledger_validations_total{code=\"MALFORMED\"}"] == 1);
  CHECK(m["keyledger_events_appended_total{type=\"OrgCreated\"}"] == 1);
  CHECK(m["keyledger_events_appended_total{type=\"KeyCreated\"}"] == 1);
  CHECK(m["keyledger_log_head_seq"] >= 2);
  CHECK(m["keyledger_group_commit_batch_size_count"] >= 2);
  CHECK(m.count("keyledger_http_request_duration_seconds_bucket{route=\"POST /v1/validations\",le=\"0.0001\"}") +
            m.count("keyledger_http_request_duration_seconds_bucket{route=\"POST /v1/validations\",le=\"0.00025\"}") +
            m.count("keyledger_http_request_duration_seconds_bucket{route=\"POST /v1/validations\",le=\"0.0005\"}") +
            m.count("keyledger_http_request_duration_seconds_bucket{route=\"POST /v1/validations\",le=\"0.001\"}") >
        0);
  CHECK(m["keyledger_http_request_duration_seconds_count{route=\"POST /v1/validations\"}"] == 4);
  CHECK(m["keyledger_http_request_duration_seconds_bucket{route=\"POST /v1/validations\",le=\"+Inf\"}"] == 4);
  // Never a secret in the metrics.
  CHECK(r.body.find(key.value) == std::string::npos);
}
