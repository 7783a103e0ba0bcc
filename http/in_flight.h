// A set of names currently being worked on, for requests that must not run concurrently with
// the same name (two creates with one Idempotency-Key: the second gets 409, as Stripe answers).
#pragma once
#include <set>
#include <string>

#include "domain/mutex.h"

namespace kl::http {

class InFlight {
 public:
  bool TryEnter(const std::string& name) {
    MutexLock lock(mu_);
    return names_.insert(name).second;
  }
  void Leave(const std::string& name) {
    MutexLock lock(mu_);
    names_.erase(name);
  }

 private:
  Mutex mu_;
  std::set<std::string> names_ GUARDED_BY(mu_);
};

}  // namespace kl::http
