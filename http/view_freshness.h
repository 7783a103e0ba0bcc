// How fresh a cluster node's view of the shared log is (docs/cluster.md, "Staleness"). The app
// layer, which follows the log, hands this down: http only asks how old the view is.
//
// The view's age is the time since the node last confirmed that its projections held every
// event the log had committed: the moment its follower sent a read of the log that came back
// with the log's end, once what it returned was folded. Past `max`, validations answer 503 and
// /readyz reports the node stale, so a revocation never stays valid silently on a node cut off
// from the log.
#pragma once
#include <chrono>
#include <functional>
#include <utility>

namespace kl::http {

class ViewFreshness {
 public:
  using AgeFn = std::function<std::chrono::milliseconds()>;
  ViewFreshness(AgeFn age, std::chrono::milliseconds max) : age_(std::move(age)), max_(max) {}

  std::chrono::milliseconds Age() const { return age_(); }
  std::chrono::milliseconds Max() const { return max_; }
  bool Stale() const { return Age() > max_; }

 private:
  AgeFn age_;
  std::chrono::milliseconds max_;
};

}  // namespace kl::http
