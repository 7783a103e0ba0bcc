#include "http/server.h"

#include <sys/socket.h>

#include <atomic>
#include <random>

#include <pistache/endpoint.h>
#include <pistache/http.h>
#include <pistache/peer.h>
#include <spdlog/spdlog.h>

#include "domain/ids.h"
#include "domain/time.h"
#include "http/json_input.h"
#include "http/routes.h"

namespace kl::http {

namespace Http = Pistache::Http;

namespace {

bool IsClientRequestId(const std::string& v) {
  if (v.empty() || v.size() > 64) return false;
  for (char c : v)
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '.' && c != '_' && c != '-') return false;
  return true;
}

std::string MethodName(Http::Method m) {
  switch (m) {
    case Http::Method::Get: return "GET";
    case Http::Method::Post: return "POST";
    case Http::Method::Put: return "PUT";
    case Http::Method::Patch: return "PATCH";
    case Http::Method::Delete: return "DELETE";
    case Http::Method::Head: return "HEAD";
    case Http::Method::Options: return "OPTIONS";
    default: return "OTHER";
  }
}

// Pistache 0.0.5 writes only typed headers on responses (raw ones are dropped silently), so
// every header we set goes through this one generic type.
class NamedHeader final : public Http::Header::Header {
 public:
  NamedHeader(std::string name, std::string value) : name_(std::move(name)), value_(std::move(value)) {}
  const char* name() const override { return name_.c_str(); }
  void parse(const std::string& data) override { value_ = data; }
  void write(std::ostream& os) const override { os << value_; }
#ifdef SAFE_HEADER_CAST
  uint64_t hash() const override { return std::hash<std::string>{}(name_); }
#endif

 private:
  std::string name_;
  std::string value_;
};

void SetHeader(Http::ResponseWriter& w, const std::string& name, const std::string& value) {
  w.headers().remove(name);
  w.headers().add(std::make_shared<NamedHeader>(name, value));
}

std::string Lower(std::string s) {
  for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

}  // namespace

void Dispatch(const Router& router, std::shared_ptr<RequestContext> ctx, Respond respond) {
  try {
    auto match = router.Find(*ctx);
    if (!match.handler) {
      if (match.path_known)
        return respond(ErrorReply(Status(Code::kMethodNotAllowed, "method not allowed on this resource"),
                                  ctx->request_id));
      return respond(ErrorReply(Status(Code::kNotFound, "no such route"), ctx->request_id));
    }
    (*match.handler)(ctx, respond);
  } catch (const std::exception& e) {
    // The cause goes to the log, never to the client.
    spdlog::error("request {} {} {} failed: {}", ctx->request_id, ctx->method, ctx->path, e.what());
    respond(ErrorReply(Status(Code::kInternal, "internal error"), ctx->request_id));
  } catch (...) {
    spdlog::error("request {} failed with a non-standard exception", ctx->request_id);
    respond(ErrorReply(Status(Code::kInternal, "internal error"), ctx->request_id));
  }
}

class FrontDoor : public Http::Handler {
 public:
  HTTP_PROTOTYPE(FrontDoor)
  explicit FrontDoor(const Router* router) : router_(router) {}

  void onRequest(const Http::Request& req, Http::ResponseWriter writer) override {
    auto ctx = std::make_shared<RequestContext>();
    try {
      ctx->method = MethodName(req.method());
      ctx->path = req.resource();
      for (const auto& name : req.query().parameters())
        if (auto v = req.query().get(name)) ctx->query[name] = *v;
      for (const auto& [name, raw] : req.headers().rawList()) ctx->headers[Lower(name)] = raw.value();
      ctx->body = req.body();
      ctx->peer_ip = req.address().host();
    } catch (const std::exception& e) {
      spdlog::warn("could not read a request: {}", e.what());
    }
    auto client_id = ctx->Header("x-request-id");
    ctx->request_id = client_id && IsClientRequestId(*client_id) ? *client_id : NewId("req", NowMillis());

    // Pistache 0.0.5 adds "Connection: Close" when the request had no Connection header, but
    // HTTP/1.1 is keep-alive by default: keep the client's choice only when it made one.
    auto connection = ctx->Header("connection");
    bool close_after = connection && Lower(*connection) == "close";
    if (!connection) writer.headers().remove<Http::Header::Connection>();

    auto shared_writer = std::make_shared<Http::ResponseWriter>(std::move(writer));
    auto sent = std::make_shared<std::atomic<bool>>(false);
    std::string request_id = ctx->request_id;
    Respond respond = [shared_writer, sent, request_id, close_after](Reply reply) {
      if (sent->exchange(true)) return;  // exactly one reply per request
      try {
        auto& w = *shared_writer;
        SetHeader(w, "X-Request-Id", request_id);
        SetHeader(w, "Content-Type", reply.content_type);
        for (const auto& [k, v] : reply.headers) SetHeader(w, k, v);
        auto peer = w.getPeer();
        if (!reply.file_path.empty()) {
          // serveFile sets Content-Type itself; the one added above would be a duplicate.
          w.headers().remove("Content-Type");
          Http::serveFile(w, reply.file_path, Pistache::Http::Mime::MediaType::fromString(reply.content_type));
          return;
        }
        auto promise = w.send(static_cast<Http::Code>(reply.status), reply.body);
        if (close_after && peer) {
          // Honour "Connection: close": Pistache itself never closes the socket.
          promise.then([peer](ssize_t) { ::shutdown(peer->fd(), SHUT_RDWR); },
                       [peer](std::exception_ptr) { ::shutdown(peer->fd(), SHUT_RDWR); });
        }
      } catch (const std::exception& e) {
        spdlog::warn("could not send a reply: {}", e.what());
      }
    };
    if (ctx->body.size() > kMaxBodyBytes)
      return respond(ErrorReply(Status(Code::kPayloadTooLarge, "the body exceeds 64 KiB"), ctx->request_id));
    Dispatch(*router_, ctx, respond);
  }

 private:
  const Router* router_;
};

struct Server::Impl {
  Services& services;
  ServerOptions options;
  Router router;
  std::unique_ptr<Http::Endpoint> endpoint;
  Impl(Services& s, ServerOptions o) : services(s), options(std::move(o)) {}
};

Server::Server(Services& services, ServerOptions options)
    : impl_(std::make_unique<Impl>(services, std::move(options))) {
  RegisterAllRoutes(impl_->router, services);
}

Server::~Server() { Shutdown(); }

Status Server::Start() {
  try {
    Pistache::Address addr(impl_->options.listen);
    impl_->endpoint = std::make_unique<Http::Endpoint>(addr);
    auto opts = Http::Endpoint::options()
                    .threads(impl_->options.threads)
                    .flags(Pistache::Tcp::Options::ReuseAddr)
                    // Body limit is 64 KiB (answered with our 413); leave room for headers.
                    .maxRequestSize(kMaxBodyBytes + 32 * 1024)
                    .maxResponseSize(16 * 1024 * 1024);
    impl_->endpoint->init(opts);
    impl_->endpoint->setHandler(Http::make_handler<FrontDoor>(&impl_->router));
    impl_->endpoint->serveThreaded();
  } catch (const std::exception& e) {
    return Status(Code::kUnavailable, std::string("cannot listen on ") + impl_->options.listen + ": " + e.what());
  }
  return Status::Ok();
}

void Server::Shutdown() {
  if (impl_ && impl_->endpoint) {
    impl_->endpoint->shutdown();
    impl_->endpoint.reset();
  }
}

uint16_t Server::Port() const {
  return impl_->endpoint ? static_cast<uint16_t>(impl_->endpoint->getPort()) : 0;
}

}  // namespace kl::http
