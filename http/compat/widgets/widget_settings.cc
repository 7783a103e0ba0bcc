#include "http/compat/widgets/widget_settings.h"

namespace kl::http::widgets {

bool CreateLimiter::TryCreate(const std::string& token_id, int64_t now_ms) {
  constexpr int64_t kWindowMs = 60000;
  MutexLock lock(mu_);
  for (auto it = windows_.begin(); it != windows_.end();)
    it = now_ms - it->second.started_ms >= kWindowMs ? windows_.erase(it) : std::next(it);
  Window& w = windows_[token_id];
  if (w.count == 0) w.started_ms = now_ms;
  if (w.count >= per_minute_) return false;
  ++w.count;
  return true;
}

}  // namespace kl::http::widgets
