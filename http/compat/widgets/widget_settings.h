// What the operator configures for the widget surface (docs/widgets.md; flags in
// docs/operations.md) and the per-token create limit's counters.
#pragma once
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "domain/mutex.h"
#include "http/compat/widgets/widget_token.h"

namespace kl::http::widgets {

// Counts each token's creates in fixed one-minute windows. Entries of tokens past their window
// are dropped as new ones arrive, so the map holds at most the tokens active in the last minute.
class CreateLimiter {
 public:
  explicit CreateLimiter(int per_minute) : per_minute_(per_minute) {}
  // True when the token may create one more key now (and counts it).
  bool TryCreate(const std::string& token_id, int64_t now_ms);

 private:
  struct Window {
    int64_t started_ms = 0;
    int count = 0;
  };
  const int per_minute_;
  Mutex mu_;
  std::map<std::string, Window> windows_ GUARDED_BY(mu_);
};

struct WidgetSettings {
  std::shared_ptr<const WidgetTokenKey> key;  // null: the widget surface answers 503
  std::vector<std::string> origins;           // CORS: exact origins allowed; none by default
  int64_t token_ttl_s = 3600;
  // Permissions every org's widget offers besides those its keys already carry (until roles exist).
  std::vector<std::string> permissions;
  std::shared_ptr<CreateLimiter> limiter = std::make_shared<CreateLimiter>(10);
};

}  // namespace kl::http::widgets
