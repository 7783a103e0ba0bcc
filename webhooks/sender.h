// One webhook POST over libcurl: no redirects, a hard timeout, and (unless insecure mode is on)
// a refusal to connect to any address that is not public, checked on the address actually
// connected to, so a hostname that resolves (or re-resolves) to 127.0.0.1 cannot reach inside.
#pragma once
#include <atomic>
#include <chrono>
#include <string>
#include <utility>
#include <vector>

namespace kl::webhooks {

struct SendOptions {
  std::chrono::milliseconds timeout{10000};
  bool allow_insecure = false;  // http:// and non-public addresses allowed
  const std::atomic<bool>* cancel = nullptr;  // set: abort the transfer (shutdown)
};

struct SendResult {
  bool delivered = false;  // a 2xx answer
  long http_status = 0;    // 0: no HTTP answer
  std::string error;       // why not delivered, for last_error (never contains the secret)
};

// Call once per process before any Send (libcurl's global set-up is not thread-safe).
void GlobalInit();

SendResult Send(const std::string& url, const std::vector<std::pair<std::string, std::string>>& headers,
                const std::string& body, const SendOptions& options);

}  // namespace kl::webhooks
