#include "http/router.h"

namespace kl::http {

std::vector<std::string> SplitPath(const std::string& path) {
  std::vector<std::string> out;
  std::string cur;
  for (char c : path) {
    if (c == '/') {
      if (!cur.empty()) out.push_back(std::move(cur));
      cur.clear();
    } else {
      cur.push_back(c);
    }
  }
  if (!cur.empty()) out.push_back(std::move(cur));
  return out;
}

void Router::Add(const std::string& method, const std::string& pattern, RouteInput input, RouteHandler handler) {
  routes_.push_back(Route{method, pattern, SplitPath(pattern), std::move(input), std::move(handler)});
}

void Router::Add(const std::string& method, const std::string& pattern, RouteHandler handler) {
  routes_.push_back(Route{method, pattern, SplitPath(pattern), std::nullopt, std::move(handler)});
}

const RouteInput* Router::InputOf(const std::string& method, const std::string& pattern) const {
  for (const Route& r : routes_)
    if (r.method == method && r.pattern == pattern) return r.input ? &*r.input : nullptr;
  return nullptr;
}

namespace {

bool IsParam(const std::string& seg) { return seg.size() > 2 && seg.front() == '{' && seg.back() == '}'; }
// "{rest*}": the last segment of a pattern that takes every remaining segment (one or more).
bool IsRest(const std::string& seg) { return IsParam(seg) && seg[seg.size() - 2] == '*'; }

}  // namespace

Router::Match Router::Find(RequestContext& ctx) const {
  Match m;
  auto segs = SplitPath(ctx.path);
  for (const Route& r : routes_) {
    bool rest = !r.segments.empty() && IsRest(r.segments.back());
    if (rest ? segs.size() < r.segments.size() : r.segments.size() != segs.size()) continue;
    std::map<std::string, std::string> params;
    bool ok = true;
    for (size_t i = 0; i < r.segments.size() && ok; ++i) {
      const std::string& p = r.segments[i];
      if (rest && i + 1 == r.segments.size()) {
        std::string joined;
        for (size_t j = i; j < segs.size(); ++j) joined += (j > i ? "/" : "") + segs[j];
        params[p.substr(1, p.size() - 3)] = std::move(joined);
      } else if (IsParam(p)) {
        params[p.substr(1, p.size() - 2)] = segs[i];
      } else {
        ok = (p == segs[i]);
      }
    }
    if (!ok) continue;
    m.path_known = true;
    m.allowed.push_back(r.method);
    if (r.method == ctx.method) {
      m.handler = &r.handler;
      m.pattern = r.pattern;
      ctx.params = std::move(params);
      ctx.input = r.input ? &*r.input : nullptr;
      return m;
    }
  }
  return m;
}

std::vector<std::pair<std::string, std::string>> Router::Routes() const {
  std::vector<std::pair<std::string, std::string>> out;
  for (const auto& r : routes_) out.emplace_back(r.method, r.pattern);
  return out;
}

}  // namespace kl::http
