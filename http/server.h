// The Pistache front door: turns each HTTP request into a RequestContext, dispatches it through
// the Router, and guarantees one well-formed reply (never a raw exception, never a crash).
#pragma once
#include <memory>
#include <string>

#include "domain/status.h"
#include "http/request_head.h"  // PercentDecode, for tests
#include "http/router.h"
#include "http/services.h"

namespace kl::http {

struct ServerOptions {
  std::string listen = "127.0.0.1:8080";
  int threads = 2;
  // Both set: HTTPS only, through Pistache's OpenSSL support (PEM files; the key unencrypted).
  std::string tls_cert;
  std::string tls_key;
  // Slow and idle clients: a request's header block must be complete within header_timeout_ms
  // and its body within body_timeout_ms (answered 408 and closed otherwise); a keep-alive
  // connection with no request in progress is closed after idle_timeout_ms. Pistache checks
  // them every 500 ms on each reactor thread.
  int header_timeout_ms = 10000;
  int body_timeout_ms = 30000;
  int idle_timeout_ms = 60000;
  // Connections beyond this are answered 503 `unavailable` and closed at once.
  int max_connections = 10000;
};

class Server {
 public:
  Server(Services& services, ServerOptions options);
  ~Server();
  // Binds and starts serving on background threads.
  Status Start();
  // Stops accepting and closes connections.
  void Shutdown();
  uint16_t Port() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// Exposed for tests: dispatch one request through the router with full error handling.
void Dispatch(const Router& router, std::shared_ptr<RequestContext> ctx, Respond respond);

}  // namespace kl::http
