// std::mutex as clang's thread-safety analysis sees it (thread_annotations.h): libstdc++'s own
// mutex carries no annotations, so members marked GUARDED_BY a std::mutex could not be checked.
// Same cost as std::mutex; MutexLock works with std::condition_variable through Native().
#pragma once
#include <mutex>

#include "domain/thread_annotations.h"

namespace kl {

class CAPABILITY("mutex") Mutex {
 public:
  void lock() ACQUIRE() { mu_.lock(); }
  void unlock() RELEASE() { mu_.unlock(); }

 private:
  friend class MutexLock;
  std::mutex mu_;
};

// Holds `mu` for its scope, as std::unique_lock does.
class SCOPED_CAPABILITY MutexLock {
 public:
  explicit MutexLock(Mutex& mu) ACQUIRE(mu) : lock_(mu.mu_) {}
  ~MutexLock() RELEASE() {}
  MutexLock(const MutexLock&) = delete;
  MutexLock& operator=(const MutexLock&) = delete;

  // For std::condition_variable::wait: it releases the mutex while it waits and holds it again
  // when it returns, so to the analysis the mutex stays held throughout. Wait in a loop on the
  // guarded condition, not with a predicate lambda (the analysis checks a lambda on its own).
  std::unique_lock<std::mutex>& Native() { return lock_; }

 private:
  std::unique_lock<std::mutex> lock_;
};

}  // namespace kl
