// Environment variables for the servers a test starts in its scope (they inherit them at fork),
// restored after, so later CLI runs and servers do not inherit them.
#pragma once
#include <cstdlib>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace kl::e2e {

class ScopedEnv {
 public:
  void Set(const std::string& name, const std::string& value) {
    const char* old = std::getenv(name.c_str());
    saved_.emplace_back(name, old ? std::optional<std::string>(old) : std::nullopt);
    ::setenv(name.c_str(), value.c_str(), 1);
  }
  // LD_PRELOAD of a fault shim (tests/fault/). Under ASan (scripts/sanitize.sh) a preloaded
  // library comes before ASan's runtime, which ASan refuses by default; the shim is not
  // instrumented, so the order does not matter.
  void Preload(const std::string& shim) {
    Set("LD_PRELOAD", shim);
    const char* asan = std::getenv("ASAN_OPTIONS");
    Set("ASAN_OPTIONS", std::string(asan ? asan : "") + (asan && *asan ? ":" : "") + "verify_asan_link_order=0");
  }
  ~ScopedEnv() {
    for (auto it = saved_.rbegin(); it != saved_.rend(); ++it) {
      if (it->second) ::setenv(it->first.c_str(), it->second->c_str(), 1);
      else ::unsetenv(it->first.c_str());
    }
  }

 private:
  std::vector<std::pair<std::string, std::optional<std::string>>> saved_;
};

}  // namespace kl::e2e
