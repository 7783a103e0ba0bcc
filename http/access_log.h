// One line per answered request: request id, method, route pattern, status, latency, actor and
// peer. Never a header, a body, a raw path or query (a client may put a secret there): the route
// is the matched pattern.
#pragma once
#include <memory>
#include <string_view>

#include <spdlog/logger.h>

namespace kl::http {

inline constexpr const char* kAccessLoggerName = "access";
enum class LogFormat { kText, kJson };

// Set once at start-up, before serving; without it nothing is logged per request.
void SetAccessLogger(std::shared_ptr<spdlog::logger> logger, LogFormat format);

struct AccessRecord {
  std::string_view request_id;
  std::string_view method;
  std::string_view route;  // "POST /v1/validations", empty when no route matched
  int status = 0;
  double latency_ms = 0;
  std::string_view actor_kind;  // admin | api_key | anonymous
  std::string_view actor_id;    // the management key's id for api_key
  std::string_view peer;
};
// Answered validations and probes (healthz, readyz, metrics) log at debug level: at tens of
// thousands a second their lines would cost more than the answers (/metrics counts them);
// every other request, and every error, logs at info.
void LogAccess(const AccessRecord& record);
void LogAccess(const AccessRecord& record);

}  // namespace kl::http
