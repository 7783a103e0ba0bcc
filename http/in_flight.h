// A set of names currently being worked on, for requests that must not run concurrently with
// the same name (two creates with one Idempotency-Key: the second gets 409, as Stripe answers).
#pragma once
#include <mutex>
#include <set>
#include <string>

namespace kl::http {

class InFlight {
 public:
  bool TryEnter(const std::string& name) {
    std::lock_guard lock(mu_);
    return names_.insert(name).second;
  }
  void Leave(const std::string& name) {
    std::lock_guard lock(mu_);
    names_.erase(name);
  }

 private:
  std::mutex mu_;
  std::set<std::string> names_;
};

}  // namespace kl::http
