// Prometheus metrics (docs/operations.md, Monitoring): requests by route and status, latency histograms per route with
// sub-millisecond buckets, validations by code, and the log's counters. Recording is lock-free
// (relaxed atomics in arrays fixed at start-up), so it adds no convoy to the hot path.
#pragma once
#include <array>
#include <atomic>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "domain/key.h"
#include "storage/event_log.h"

namespace kl::http {

class Metrics {
 public:
  // `routes`: every "METHOD /pattern" the router serves; others are counted as "unmatched".
  explicit Metrics(const std::vector<std::string>& routes);

  void ObserveRequest(const std::string& route, int status, double seconds);
  void ObserveValidation(ValidationCode code);
  // The Prometheus text exposition, with the log's counters; a cluster node also gives the age
  // of its view of the shared log (http/view_freshness.h).
  std::string Render(const storage::LogStats& log, uint64_t head_seq,
                     std::optional<double> view_age_seconds = std::nullopt) const;

 private:
  static constexpr std::array<int, 15> kStatuses = {200, 201, 400, 401, 402, 403, 404, 405,
                                                    409, 412, 413, 415, 500, 503, 0 /* other */};
  static constexpr std::array<double, 18> kBuckets = {0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025,
                                                      0.005,   0.01,   0.025,   0.05,   0.1,   0.25,
                                                      0.5,     1,      2.5,     5,      10,    30};
  struct Route {
    std::string label;
    std::array<std::atomic<uint64_t>, kStatuses.size()> by_status{};
    std::array<std::atomic<uint64_t>, kBuckets.size() + 1> buckets{};  // last: +Inf only
    std::atomic<uint64_t> sum_ns{0};
  };
  std::vector<std::unique_ptr<Route>> routes_;
  std::unordered_map<std::string, Route*> by_label_;
  Route* unmatched_;
  std::array<std::atomic<uint64_t>, 11> validations_{};
};

}  // namespace kl::http
