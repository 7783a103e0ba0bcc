#include "http/access_log.h"

#include <spdlog/fmt/fmt.h>

#include "http/json_escape.h"

namespace kl::http {

namespace {
std::shared_ptr<spdlog::logger> g_logger;
LogFormat g_format = LogFormat::kText;
}  // namespace

void SetAccessLogger(std::shared_ptr<spdlog::logger> logger, LogFormat format) {
  g_logger = std::move(logger);
  g_format = format;
}

namespace {
bool HotRoute(std::string_view route) {
  return route == "POST /v1/validations" || route == "GET /healthz" || route == "GET /readyz" ||
         route == "GET /metrics";
}
}  // namespace

void LogAccess(const AccessRecord& r) {
  auto level = HotRoute(r.route) && r.status < 400 ? spdlog::level::debug : spdlog::level::info;
  if (!g_logger || !g_logger->should_log(level)) return;
  std::string line;
  line.reserve(256);
  auto field = [&](std::string_view name, std::string_view value, bool first = false) {
    if (g_format == LogFormat::kJson) {
      line.append(first ? "\"" : ",\"").append(name).append("\":\"");
      AppendJsonEscaped(value, line);
      line.push_back('"');
    } else {
      line.append(first ? "" : " ").append(name).append("=\"");
      AppendJsonEscaped(value, line);  // the same escaping keeps a text line on one line
      line.push_back('"');
    }
  };
  auto number = [&](std::string_view name, std::string_view value) {
    line.append(g_format == LogFormat::kJson ? ",\"" : " ").append(name);
    line.append(g_format == LogFormat::kJson ? "\":" : "=").append(value);
  };
  field("request_id", r.request_id, true);
  field("method", r.method);
  field("route", r.route.empty() ? std::string_view("-") : r.route);
  number("status", std::to_string(r.status));
  number("latency_ms", fmt::format("{:.3f}", r.latency_ms));
  field("actor", r.actor_kind);
  if (!r.actor_id.empty()) field("actor_id", r.actor_id);
  field("peer", r.peer);
  g_logger->log(level, "{}", line);
}

}  // namespace kl::http
