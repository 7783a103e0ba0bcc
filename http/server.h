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
  // of its first byte and the whole request within body_timeout_ms (answered 408 with
  // Connection: close otherwise); a keep-alive connection with no request in progress is closed
  // after idle_timeout_ms. They guard reading a request only: once read, a request is answered
  // with its real outcome however long it takes. Checked by one thread every fifth of the
  // shortest of them (10..250 ms).
  int header_timeout_ms = 10000;
  int body_timeout_ms = 30000;
  int idle_timeout_ms = 60000;
  // 0: none. Else a change whose request was read this long ago and that has not entered a
  // commit group yet is refused (503 `unavailable`, Retry-After, never applied); one already in
  // a group is answered with the group's outcome (storage/append_deadline.h).
  int request_deadline_ms = 0;
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
