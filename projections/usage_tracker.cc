#include "projections/usage_tracker.h"

#include <algorithm>
#include <functional>

namespace kl::projections {

void UsageWindow::Add(Millis at, const std::string& new_ip, const std::string& ua, int64_t credits) {
  if (count == 0 || at < first_at) first_at = at;
  if (count == 0 || at >= last_at) {
    last_at = at;
    ip = new_ip;
    user_agent = ua;
  }
  ++count;
  credits_spent += credits;
}

void UsageWindow::Merge(const UsageWindow& o) {
  if (o.count == 0) return;
  if (count == 0 || o.first_at < first_at) first_at = o.first_at;
  if (count == 0 || o.last_at >= last_at) {
    last_at = o.last_at;
    ip = o.ip;
    user_agent = o.user_agent;
  }
  count += o.count;
  credits_spent += o.credits_spent;
}

UsageTracker::Shard& UsageTracker::ShardOf(const std::string& key_id) const {
  return shards_[std::hash<std::string>{}(key_id) % kShards];
}

void UsageTracker::RecordRejection(const KeyState& key, const std::string& code, Millis at, const std::string& ip,
                                   const std::string& ua) {
  Shard& s = ShardOf(key.id);
  std::lock_guard lock(s.mu);
  Entry& e = s.entries[key.id];
  e.pending.key_id = key.id;
  e.pending.org_id = key.org_id;
  e.pending.rejected[code].Add(at, ip, ua, 0);
}

KeyUsageView UsageTracker::View(const KeyState& key) const {
  KeyUsageView v{key.usage_count, key.last_used_at, key.last_used_ip, key.last_used_user_agent, std::nullopt};
  if (key.credits) v.credits_remaining = key.credits->remaining;
  Shard& s = ShardOf(key.id);
  std::lock_guard lock(s.mu);
  auto it = s.entries.find(key.id);
  if (it == s.entries.end()) return v;
  UsageWindow w;
  if (it->second.in_flight.used) w.Merge(*it->second.in_flight.used);
  if (it->second.pending.used) w.Merge(*it->second.pending.used);
  if (w.count > 0) {
    v.usage_count += w.count;
    if (!v.last_used_at || w.last_at >= *v.last_used_at) {
      v.last_used_at = w.last_at;
      v.last_used_ip = w.ip;
      v.last_used_user_agent = w.user_agent;
    }
    if (v.credits_remaining) v.credits_remaining = std::max<int64_t>(0, *v.credits_remaining - w.credits_spent);
    if (v.credits_remaining && it->second.live_credits) v.credits_remaining = *it->second.live_credits;
  }
  return v;
}

void UsageTracker::Overlay(KeyState& key) const {
  KeyUsageView v = View(key);
  key.usage_count = v.usage_count;
  key.last_used_at = v.last_used_at;
  key.last_used_ip = std::move(v.last_used_ip);
  key.last_used_user_agent = std::move(v.last_used_user_agent);
  if (key.credits && v.credits_remaining) key.credits->remaining = *v.credits_remaining;
}

GateOutcome UsageTracker::TryUse(const KeyState& key, Millis now, const std::string& ip, const std::string& ua) {
  GateOutcome out;
  Shard& s = ShardOf(key.id);
  std::lock_guard lock(s.mu);
  Entry& e = s.entries[key.id];
  e.pending.key_id = key.id;
  e.pending.org_id = key.org_id;

  // Token bucket: `limit` tokens, refilled continuously over `window_ms`.
  bool rate_ok = true;
  if (key.ratelimit) {
    const RateLimit& rl = *key.ratelimit;
    if (e.bucket_config != rl) {
      e.bucket_config = rl;
      e.tokens = static_cast<double>(rl.limit);
      e.tokens_at = now;
    }
    double per_ms = static_cast<double>(rl.limit) / static_cast<double>(rl.window_ms);
    if (now > e.tokens_at) {
      e.tokens = std::min<double>(static_cast<double>(rl.limit), e.tokens + (now - e.tokens_at) * per_ms);
      e.tokens_at = now;
    }
    rate_ok = e.tokens >= 1.0;
    if (rate_ok) e.tokens -= 1.0;
    RateLimitState st;
    st.limit = rl.limit;
    st.remaining = static_cast<int64_t>(e.tokens);
    st.reset_at = now + static_cast<Millis>((static_cast<double>(rl.limit) - e.tokens) / per_ms);
    out.ratelimit = st;
  } else {
    e.bucket_config.reset();
  }

  int64_t credits = 0;
  if (key.credits) {
    if (!e.live_credits) e.live_credits = key.credits->remaining - e.uncommitted_spent;
    credits = *e.live_credits;
  } else {
    e.live_credits.reset();
  }

  if (!rate_ok) {
    out.code = ValidationCode::kRateLimited;
  } else if (key.credits && credits <= 0) {
    out.code = ValidationCode::kUsageExceeded;
  } else {
    out.code = ValidationCode::kValid;
  }
  if (key.credits) out.credits_remaining = std::max<int64_t>(0, credits - (out.code == ValidationCode::kValid));

  RecordLocked(e, key, out.code, key.credits && out.code == ValidationCode::kValid ? 1 : 0, now, ip, ua);
  return out;
}

void UsageTracker::RecordLocked(Entry& e, const KeyState& key, ValidationCode code, int64_t credits_spent, Millis now,
                                const std::string& ip, const std::string& ua) {
  e.pending.key_id = key.id;
  e.pending.org_id = key.org_id;
  if (code != ValidationCode::kValid) {
    e.pending.rejected[ValidationCodeName(code)].Add(now, ip, ua, 0);
    return;
  }
  if (credits_spent > 0 && key.credits) {
    if (!e.live_credits) e.live_credits = key.credits->remaining - e.uncommitted_spent;
    *e.live_credits -= credits_spent;
    e.uncommitted_spent += credits_spent;
  }
  if (!e.pending.used) e.pending.used.emplace();
  e.pending.used->Add(now, ip, ua, credits_spent);
}

void UsageTracker::RecordDecided(const KeyState& key, ValidationCode code, int64_t credits_spent, Millis now,
                                 const std::string& ip, const std::string& ua) {
  Shard& s = ShardOf(key.id);
  std::lock_guard lock(s.mu);
  RecordLocked(s.entries[key.id], key, code, credits_spent, now, ip, ua);
}

std::optional<int64_t> UsageTracker::LiveCredits(const KeyState& key) const {
  if (!key.credits) return std::nullopt;
  Shard& s = ShardOf(key.id);
  std::lock_guard lock(s.mu);
  auto it = s.entries.find(key.id);
  if (it == s.entries.end()) return key.credits->remaining;
  if (it->second.live_credits) return *it->second.live_credits;
  return key.credits->remaining - it->second.uncommitted_spent;
}

void UsageTracker::OnCommitted(const Event& event) {
  if (!event.key_id) return;
  Shard& s = ShardOf(*event.key_id);
  std::lock_guard lock(s.mu);
  auto it = s.entries.find(*event.key_id);
  if (it == s.entries.end()) return;
  Entry& e = it->second;
  if (const auto* used = std::get_if<KeyUsed>(&event.data)) {
    e.uncommitted_spent -= used->credits_spent;  // now folded into the projection
  } else if (const auto* u = std::get_if<KeyUpdated>(&event.data)) {
    if (u->credits) {
      if (*u->credits) e.live_credits = (*u->credits)->remaining - e.uncommitted_spent;
      else e.live_credits.reset();
    }
    if (u->ratelimit) e.bucket_config.reset();  // a new limit starts with a full bucket
  } else if (const auto* r = std::get_if<KeyCreditsRefilled>(&event.data)) {
    e.live_credits = r->remaining - e.uncommitted_spent;
  }
}

std::vector<KeyUsage> UsageTracker::BeginFlush() {
  std::vector<KeyUsage> out;
  for (Shard& s : shards_) {
    std::lock_guard lock(s.mu);
    for (auto& [id, e] : s.entries) {
      if (!e.pending.used && e.pending.rejected.empty()) continue;
      if (e.in_flight.used || !e.in_flight.rejected.empty()) continue;  // previous flush still running
      e.in_flight = std::move(e.pending);
      e.pending = KeyUsage{id, e.in_flight.org_id, std::nullopt, {}};
      out.push_back(e.in_flight);
    }
  }
  return out;
}

void UsageTracker::EndFlush(const KeyUsage& usage, bool appended) {
  Shard& s = ShardOf(usage.key_id);
  std::lock_guard lock(s.mu);
  auto it = s.entries.find(usage.key_id);
  if (it == s.entries.end()) return;
  Entry& e = it->second;
  if (!appended) {  // keep it: the next flush tries again
    if (e.in_flight.used) {
      if (!e.pending.used) e.pending.used.emplace();
      UsageWindow merged = *e.in_flight.used;
      merged.Merge(*e.pending.used);
      e.pending.used = merged;
    }
    for (auto& [code, w] : e.in_flight.rejected) {
      UsageWindow merged = w;
      merged.Merge(e.pending.rejected[code]);
      e.pending.rejected[code] = merged;
    }
  }
  e.in_flight = KeyUsage{usage.key_id, usage.org_id, std::nullopt, {}};
  if (e.Idle()) s.entries.erase(it);
}

}  // namespace kl::projections
