// A response as the routes produce it, independent of Pistache: status, JSON body, headers.
#pragma once
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "domain/status.h"

namespace kl::http {

struct Reply {
  int status = 200;
  std::string body;  // already serialized JSON (or text for /metrics)
  std::string content_type = "application/json";
  std::vector<std::pair<std::string, std::string>> headers;
  // When set, the body is this file, sent from disk (never held whole in memory).
  std::string file_path;

  static Reply Json(int status, const nlohmann::json& body);
};

// The error envelope (docs/spec.md, HTTP conventions) for a Status, with the request id.
Reply ErrorReply(const Status& status, const std::string& request_id);
int HttpStatusOf(Code code);
const char* ErrorCodeName(Code code);

}  // namespace kl::http
