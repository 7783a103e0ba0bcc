#include "http/server.h"

#include <sys/socket.h>

#include <strings.h>

#include <atomic>
#include <unordered_map>
#include <random>

#include <pistache/endpoint.h>
#include <pistache/http.h>
#include <pistache/peer.h>
#include <spdlog/spdlog.h>

#include "domain/ids.h"
#include "domain/time.h"
#include "http/access_log.h"
#include "http/json_input.h"
#include "http/routes.h"

namespace kl::http {

namespace Http = Pistache::Http;
namespace Tcp = Pistache::Tcp;

// The body limit is 64 KiB (answered with our 413); headers get 32 KiB on top.
constexpr size_t kMaxRequestBytes = kMaxBodyBytes + 32 * 1024;

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

// ASCII only, as HTTP header names are; std::tolower consults the locale on every call.
std::string Lower(std::string s) {
  for (auto& c : s)
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c + ('a' - 'A'));
  return s;
}

}  // namespace

std::string PercentDecode(std::string_view text) {
  auto hex = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  };
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size(); ++i) {
    int hi, lo;
    if (text[i] == '%' && i + 2 < text.size() && (hi = hex(text[i + 1])) >= 0 && (lo = hex(text[i + 2])) >= 0) {
      out.push_back(static_cast<char>(hi * 16 + lo));
      i += 2;
    } else {
      out.push_back(text[i]);  // '+' stays '+' (RFC 3986): raw RFC 3339 offsets keep working
    }
  }
  return out;
}

void Dispatch(const Router& router, std::shared_ptr<RequestContext> ctx, Respond respond) {
  try {
    auto match = router.Find(*ctx);
    if (!match.handler) {
      if (match.path_known) {
        Reply reply = ErrorReply(Status(Code::kMethodNotAllowed, "method not allowed on this resource"), ctx->request_id);
        std::string allow;  // RFC 9110 §15.5.6: a 405 lists the methods the resource has
        for (const auto& m : match.allowed) allow += (allow.empty() ? "" : ", ") + m;
        reply.headers.emplace_back("Allow", allow);
        return respond(std::move(reply));
      }
      return respond(ErrorReply(Status(Code::kNotFound, "no such route"), ctx->request_id));
    }
    ctx->route = ctx->method + " " + match.pattern;
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

// Peer data: a std::atomic<bool> that is true until the connection closes.
constexpr const char* kOpenFlag = "kl.open";

// Sends `reply` on `w` with our headers; when `close_after`, shuts the socket once it is out
// (Pistache itself never closes a connection after "Connection: close").
void SendReply(Http::ResponseWriter& w, const Reply& reply, const std::string& request_id, bool close_after) {
  SetHeader(w, "X-Request-Id", request_id);
  SetHeader(w, "Content-Type", reply.content_type);
  for (const auto& [k, v] : reply.headers) SetHeader(w, k, v);
  if (close_after) SetHeader(w, "Connection", "close");
  auto peer = w.getPeer();
  // Whether the connection is still open when the write completes: by then Pistache may have
  // closed it and the kernel given its fd number to a new, unrelated connection.
  auto open = peer ? std::static_pointer_cast<std::atomic<bool>>(peer->tryGetData(kOpenFlag)) : nullptr;
  if (!reply.file_path.empty()) {
    // serveFile sets Content-Type itself; the one added above would be a duplicate.
    w.headers().remove("Content-Type");
    Http::serveFile(w, reply.file_path, Pistache::Http::Mime::MediaType::fromString(reply.content_type));
    return;
  }
  auto promise = w.send(static_cast<Http::Code>(reply.status), reply.body);
  if (close_after && peer && open) {
    auto close = [peer, open] {
      if (open->load()) ::shutdown(peer->fd(), SHUT_RDWR);
    };
    promise.then([close](ssize_t) { close(); }, [close](std::exception_ptr) { close(); });
  }
}

// The Content-Length a complete header block declares, if any (case-insensitive); UINT64_MAX for
// one too long to be a number we could accept, nullopt-with-malformed for one that is no number.
struct Declared {
  bool present = false;
  bool malformed = false;
  uint64_t length = 0;
};
Declared DeclaredLength(std::string_view head) {
  static const std::string_view kName = "\r\ncontent-length:";
  // Header names start right after a CRLF: only those positions can match.
  for (size_t i = head.find('\r'); i != std::string_view::npos && i + kName.size() <= head.size();
       i = head.find('\r', i + 1)) {
    if (strncasecmp(head.data() + i, kName.data(), kName.size()) != 0) continue;
    size_t j = i + kName.size();
    while (j < head.size() && (head[j] == ' ' || head[j] == '\t')) ++j;
    uint64_t v = 0;
    size_t digits = 0;
    for (; j < head.size() && head[j] >= '0' && head[j] <= '9' && digits < 20; ++j, ++digits)
      v = v * 10 + static_cast<uint64_t>(head[j] - '0');
    if (digits == 0) return Declared{true, true, 0};
    return Declared{true, false, digits >= 20 ? UINT64_MAX : v};
  }
  return Declared{};
}

class FrontDoor : public Http::Handler {
 public:
  HTTP_PROTOTYPE(FrontDoor)
  FrontDoor(const Router* router, Metrics* metrics, size_t max_request, int max_connections,
            std::shared_ptr<std::atomic<int>> connections)
      : router_(router),
        metrics_(metrics),
        max_request_(max_request),
        max_connections_(max_connections),
        connections_(std::move(connections)) {}

  // Counted across every reactor thread (each has its own clone of this handler).
  void onConnection(const std::shared_ptr<Tcp::Peer>& peer) override {
    // What Http::Handler::onConnection (private) does: give the connection its parser.
    peer->putData(Http::Handler::ParserData, std::make_shared<Http::RequestParser>(getMaxRequestSize()));
    peer->putData(kOpenFlag, std::make_shared<std::atomic<bool>>(true));
    if (connections_->fetch_add(1) + 1 > max_connections_)
      Refuse(peer, Status(Code::kUnavailable, "too many connections; retry shortly"));
  }

  // Pistache's own input loop, with two changes: a body that could never fit is refused from its
  // declared Content-Length (Pistache would reserve that many bytes first: a 100 GB header is a
  // bad_alloc), and parser errors are answered with the SPEC envelope instead of a plain-text
  // status carrying an exception message.
  void onInput(const char* buffer, size_t len, const std::shared_ptr<Tcp::Peer>& peer) override {
    HeaderWatch& watch = watches_[peer.get()];
    if (watch.head.empty() && !watch.complete) {
      // A new request: from here Pistache's header and body timeouts apply to this connection,
      // not its idle timeout. Its clock restarts if the connection sat idle before.
      auto parser = Http::Handler::getParser(peer);
      if (std::chrono::steady_clock::now() - parser->time() > std::chrono::milliseconds(100)) parser->reset();
      peer->setIdle(false);
    }
    if (!watch.complete) {
      size_t room = max_request_ - std::min(max_request_, watch.head.size());
      watch.head.append(buffer, std::min(len, room));
      auto end = watch.head.find("\r\n\r\n");
      if (end != std::string::npos) {
        watch.complete = true;
        auto declared = DeclaredLength(std::string_view(watch.head).substr(0, end + 2));
        if (declared.present && (declared.malformed || declared.length > kMaxBodyBytes)) {
          watches_.erase(peer.get());
          Http::Handler::getParser(peer)->reset();
          return Refuse(peer, declared.malformed ? Status(Code::kMalformedJson, "Content-Length is not a number")
                                                 : Status(Code::kPayloadTooLarge, "the body exceeds 64 KiB"));
        }
      }
    }
    auto parser = Http::Handler::getParser(peer);
    auto& request = parser->request;
    try {
      if (!parser->feed(buffer, len)) {
        parser->reset();
        watches_.erase(peer.get());
        return Refuse(peer, Status(Code::kPayloadTooLarge, "the request exceeds the size limit"));
      }
      if (parser->parse() == Http::Private::State::Done) {
        // Kept for the connection's next request (its buffer too); dropped on disconnection.
        watch.head.clear();
        watch.complete = false;
        Http::ResponseWriter response(request.version(), transport(), this, peer);
        request.copyAddress(peer->address());
        peer->setIdle(false);
        onRequest(request, std::move(response));
        parser->reset();
      }
    } catch (const Http::HttpError& err) {
      parser->reset();
      watches_.erase(peer.get());
      Code code = err.code() == 413 ? Code::kPayloadTooLarge : Code::kMalformedJson;
      Refuse(peer, Status(code, code == Code::kPayloadTooLarge ? "the request is too large" : "malformed HTTP request"));
    } catch (const std::exception& e) {
      parser->reset();
      watches_.erase(peer.get());
      spdlog::warn("refused an unreadable request: {}", e.what());
      Refuse(peer, Status(Code::kMalformedJson, "malformed HTTP request"));
    }
  }

  void onDisconnection(const std::shared_ptr<Tcp::Peer>& peer) override {
    // Pistache closes the fd right after this: nothing may act on it from now on.
    if (auto open = peer->tryGetData(kOpenFlag)) std::static_pointer_cast<std::atomic<bool>>(open)->store(false);
    connections_->fetch_sub(1);
    watches_.erase(peer.get());
    Http::Handler::onDisconnection(peer);
  }

  void onRequest(const Http::Request& req, Http::ResponseWriter writer) override {
    auto started = std::chrono::steady_clock::now();
    auto ctx = std::make_shared<RequestContext>();
    try {
      ctx->method = MethodName(req.method());
      ctx->path = req.resource();
      for (const auto& name : req.query().parameters())
        if (auto v = req.query().get(name)) ctx->query[PercentDecode(name)] = PercentDecode(*v);
      for (const auto& [name, raw] : req.headers().rawList()) ctx->headers[Lower(name)] = raw.value();
      ctx->body = req.body();
      ctx->peer_ip = req.address().host();
    } catch (const std::exception& e) {
      spdlog::warn("could not read a request: {}", e.what());
    }
    auto client_id = ctx->Header("x-request-id");
    ctx->request_id = client_id && IsClientRequestId(*client_id) ? *client_id : NewId("req", NowMillis());

    // HTTP/1.1 is keep-alive by default (RFC 9112); close only when the client asks.
    auto connection = ctx->Header("connection");
    bool close_after = connection && Lower(*connection) == "close";

    auto shared_writer = std::make_shared<Http::ResponseWriter>(std::move(writer));
    auto sent = std::make_shared<std::atomic<bool>>(false);
    std::string request_id = ctx->request_id;
    Metrics* metrics = metrics_;
    Respond respond = [shared_writer, sent, request_id, close_after, metrics, ctx, started](Reply reply) {
      if (sent->exchange(true)) return;  // exactly one reply per request
      // Counted before it is sent, so a client that reads /metrics next already sees it.
      std::chrono::duration<double> took = std::chrono::steady_clock::now() - started;
      if (metrics) metrics->ObserveRequest(ctx->route, reply.status, took.count());
      const Principal& who = ctx->principal;
      LogAccess(AccessRecord{request_id, ctx->method, ctx->route, reply.status, took.count() * 1000.0,
                             who.kind == Principal::Kind::kAdmin    ? "admin"
                             : who.kind == Principal::Kind::kApiKey ? "api_key"
                                                                    : "anonymous",
                             who.key_id, ctx->peer_ip});
      try {
        SendReply(*shared_writer, reply, request_id, close_after);
      } catch (const std::exception& e) {
        spdlog::warn("could not send a reply: {}", e.what());
      }
    };
    if (ctx->body.size() > kMaxBodyBytes)
      return respond(ErrorReply(Status(Code::kPayloadTooLarge, "the body exceeds 64 KiB"), ctx->request_id));
    Dispatch(*router_, ctx, respond);
  }

 private:
  // The header block of the request being received on a connection (until it is complete).
  struct HeaderWatch {
    std::string head;
    bool complete = false;
  };

  void Refuse(const std::shared_ptr<Tcp::Peer>& peer, const Status& status) {
    try {
      Http::ResponseWriter w(Http::Version::Http11, transport(), this, peer);
      std::string id = NewId("req", NowMillis());
      Reply reply = ErrorReply(status, id);
      LogAccess(AccessRecord{id, "-", "", reply.status, 0.0, "anonymous", "", peer->address().host()});
      SendReply(w, reply, id, /*close_after=*/true);
    } catch (const std::exception& e) {
      spdlog::warn("could not refuse a request: {}", e.what());
    }
  }

  const Router* router_;
  Metrics* metrics_;
  size_t max_request_;
  int max_connections_;
  std::shared_ptr<std::atomic<int>> connections_;
  // One handler clone per reactor thread, and a connection stays on its thread: no lock needed.
  std::unordered_map<const Tcp::Peer*, HeaderWatch> watches_;
};

struct Server::Impl {
  Services& services;
  ServerOptions options;
  Router router;
  std::unique_ptr<Metrics> metrics;
  std::unique_ptr<Http::Endpoint> endpoint;
  Impl(Services& s, ServerOptions o) : services(s), options(std::move(o)) {}
};

Server::Server(Services& services, ServerOptions options)
    : impl_(std::make_unique<Impl>(services, std::move(options))) {
  RegisterAllRoutes(impl_->router, services);
  std::vector<std::string> labels;
  for (const auto& [method, pattern] : impl_->router.Routes()) labels.push_back(method + " " + pattern);
  impl_->metrics = std::make_unique<Metrics>(labels);
  services.metrics = impl_->metrics.get();
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
                    .maxRequestSize(kMaxRequestBytes)
                    .maxResponseSize(16 * 1024 * 1024)
                    .headerTimeout(std::chrono::milliseconds(impl_->options.header_timeout_ms))
                    .bodyTimeout(std::chrono::milliseconds(impl_->options.body_timeout_ms))
                    .keepaliveTimeout(std::chrono::milliseconds(impl_->options.idle_timeout_ms));
    impl_->endpoint->init(opts);
    if (!impl_->options.tls_cert.empty()) impl_->endpoint->useSSL(impl_->options.tls_cert, impl_->options.tls_key);
    impl_->endpoint->setHandler(Http::make_handler<FrontDoor>(&impl_->router, impl_->metrics.get(), kMaxRequestBytes,
                                                              impl_->options.max_connections,
                                                              std::make_shared<std::atomic<int>>(0)));
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
