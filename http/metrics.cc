#include "http/metrics.h"

#include <cstdio>
#include <sstream>

namespace kl::http {

Metrics::Metrics(const std::vector<std::string>& routes) {
  for (const auto& label : routes) {
    routes_.push_back(std::make_unique<Route>());
    routes_.back()->label = label;
    by_label_[label] = routes_.back().get();
  }
  routes_.push_back(std::make_unique<Route>());
  routes_.back()->label = "unmatched";
  unmatched_ = routes_.back().get();
}

void Metrics::ObserveRequest(const std::string& route, int status, double seconds) {
  auto it = by_label_.find(route);
  Route* r = it == by_label_.end() ? unmatched_ : it->second;
  size_t s = kStatuses.size() - 1;
  for (size_t i = 0; i + 1 < kStatuses.size(); ++i)
    if (kStatuses[i] == status) s = i;
  r->by_status[s].fetch_add(1, std::memory_order_relaxed);
  size_t b = 0;
  while (b < kBuckets.size() && seconds > kBuckets[b]) ++b;
  r->buckets[b].fetch_add(1, std::memory_order_relaxed);
  r->sum_ns.fetch_add(static_cast<uint64_t>(seconds * 1e9), std::memory_order_relaxed);
}

void Metrics::ObserveValidation(ValidationCode code) {
  validations_[static_cast<size_t>(code)].fetch_add(1, std::memory_order_relaxed);
}

static std::string Num(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%g", v);
  return buf;
}

std::string Metrics::Render(const storage::LogStats& log, uint64_t head_seq,
                            std::optional<double> view_age_seconds) const {
  std::ostringstream out;
  out << "# HELP keyledger_http_requests_total HTTP requests by route and status.\n"
         "# TYPE keyledger_http_requests_total counter\n";
  for (const auto& r : routes_)
    for (size_t i = 0; i < kStatuses.size(); ++i) {
      uint64_t n = r->by_status[i].load(std::memory_order_relaxed);
      if (n == 0) continue;
      out << "keyledger_http_requests_total{route=\"" << r->label << "\",status=\""
          << (kStatuses[i] ? std::to_string(kStatuses[i]) : "other") << "\"} " << n << "\n";
    }
  out << "# HELP keyledger_http_request_duration_seconds Time from a request's arrival to its answer.\n"
         "# TYPE keyledger_http_request_duration_seconds histogram\n";
  for (const auto& r : routes_) {
    uint64_t cumulative = 0;
    for (size_t b = 0; b <= kBuckets.size(); ++b) {
      cumulative += r->buckets[b].load(std::memory_order_relaxed);
      if (cumulative == 0 && b < kBuckets.size()) continue;
      out << "keyledger_http_request_duration_seconds_bucket{route=\"" << r->label << "\",le=\""
          << (b < kBuckets.size() ? Num(kBuckets[b]) : "+Inf") << "\"} " << cumulative << "\n";
    }
    if (cumulative == 0) continue;
    out << "keyledger_http_request_duration_seconds_sum{route=\"" << r->label << "\"} "
        << Num(static_cast<double>(r->sum_ns.load(std::memory_order_relaxed)) / 1e9) << "\n";
    out << "keyledger_http_request_duration_seconds_count{route=\"" << r->label << "\"} " << cumulative << "\n";
  }
  out << "# HELP keyledger_validations_total Validations by result code.\n"
         "# TYPE keyledger_validations_total counter\n";
  for (size_t c = 0; c < validations_.size(); ++c)
    out << "keyledger_validations_total{code=\"" << ValidationCodeName(static_cast<ValidationCode>(c)) << "\"} "
        << validations_[c].load(std::memory_order_relaxed) << "\n";
  out << "# HELP keyledger_events_appended_total Events appended to the log by type.\n"
         "# TYPE keyledger_events_appended_total counter\n";
  for (size_t t = 0; t < log.appended_by_type.size(); ++t)
    out << "keyledger_events_appended_total{type=\"" << AllEventTypeNames()[t] << "\"} " << log.appended_by_type[t]
        << "\n";
  out << "# HELP keyledger_log_head_seq The last sequence number in the log.\n"
         "# TYPE keyledger_log_head_seq gauge\n"
         "keyledger_log_head_seq "
      << head_seq << "\n";
  out << "# HELP keyledger_group_commit_batch_size Appends written per group commit (one WriteBatch, one fsync).\n"
         "# TYPE keyledger_group_commit_batch_size histogram\n";
  uint64_t cumulative = 0;
  for (size_t b = 0; b < log.batch_sizes.size(); ++b) {
    cumulative += log.batch_sizes[b];
    std::string le = b + 1 < log.batch_sizes.size() ? std::to_string(size_t{1} << b) : "+Inf";
    out << "keyledger_group_commit_batch_size_bucket{le=\"" << le << "\"} " << cumulative << "\n";
  }
  out << "keyledger_group_commit_batch_size_sum " << log.batched_appends << "\n"
      << "keyledger_group_commit_batch_size_count " << log.batches << "\n";
  out << "# HELP keyledger_write_stall_seconds_total Time writes waited for the database's write stalls.\n"
         "# TYPE keyledger_write_stall_seconds_total counter\n"
         "keyledger_write_stall_seconds_total "
      << Num(log.write_stall_seconds) << "\n";
  out << "# HELP keyledger_commit_seconds_total Time group commits waited for the database (write and fsync).\n"
         "# TYPE keyledger_commit_seconds_total counter\n"
         "keyledger_commit_seconds_total "
      << Num(log.commit_seconds) << "\n";
  out << "# HELP keyledger_commit_longest_seconds The longest a group commit has waited for the database.\n"
         "# TYPE keyledger_commit_longest_seconds gauge\n"
         "keyledger_commit_longest_seconds "
      << Num(log.longest_commit_seconds) << "\n";
  out << "# HELP keyledger_slow_commits_total Group commits that waited past the slow-commit threshold.\n"
         "# TYPE keyledger_slow_commits_total counter\n"
         "keyledger_slow_commits_total "
      << log.slow_commits << "\n";
  out << "# HELP keyledger_expired_appends_total Changes refused (503, not applied) because their request's "
         "deadline passed before they were committed.\n"
         "# TYPE keyledger_expired_appends_total counter\n"
         "keyledger_expired_appends_total "
      << log.expired_appends << "\n";
  if (view_age_seconds) {
    out << "# HELP keyledger_cluster_view_age_seconds Time since this node last confirmed its projections held "
           "the shared log's head (docs/cluster.md, Staleness).\n"
           "# TYPE keyledger_cluster_view_age_seconds gauge\n"
           "keyledger_cluster_view_age_seconds "
        << Num(*view_age_seconds) << "\n";
  }
  return out.str();
}

}  // namespace kl::http
