#include "http/server.h"

#include <sys/socket.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <mutex>
#include <optional>
#include <thread>

#include <pistache/endpoint.h>
#include <pistache/http.h>
#include <pistache/peer.h>
#include <spdlog/spdlog.h>

#include "domain/ids.h"
#include "domain/time.h"
#include "http/access_log.h"
#include "http/auth.h"
#include "http/chunked_body.h"
#include "http/connection_sweeper.h"
#include "http/json_input.h"
#include "http/request_head.h"
#include "http/response_bytes.h"
#include "http/routes.h"
#include "storage/append_deadline.h"

namespace kl::http {

namespace Http = Pistache::Http;
namespace Tcp = Pistache::Tcp;

// The body limit is 64 KiB (answered with our 413); the head gets 32 KiB.
constexpr size_t kMaxHeadBytes = 32 * 1024;

namespace {

bool IsClientRequestId(std::string_view v) {
  if (v.empty() || v.size() > 64) return false;
  for (char c : v)
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '.' && c != '_' && c != '-') return false;
  return true;
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

}  // namespace

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

namespace {

// One connection's state. Created on its reactor thread and kept in the peer's data, so it lives
// exactly as long as Pistache's Peer; responders that finish on another thread hold it too.
struct Connection {
  std::weak_ptr<Tcp::Peer> peer;
  int fd = -1;
  std::thread::id reactor;  // the thread that reads input (see `mu` for when another one writes)
  std::string peer_ip;
  bool direct_writes = true;  // false under TLS: bytes must go through Pistache's SSL_write
  std::atomic<bool> open{true};
  std::atomic<int> queued{0};  // responses handed to Pistache's write queue, not yet written

  // Guards everything below. It is the reactor thread's, except when an answer finished on
  // another thread is resolved there: Pistache runs a `then` on the thread that attaches it when
  // the write is already done, so Answered (and Process, which reads on) can run on the log
  // writer's thread while the reactor appends new input. Unguarded, that race emptied `in` under
  // a Process reading it (a crash under 64 clients creating keys). Recursive: the reactor's own
  // Process answers synchronously through Answered.
  std::recursive_mutex mu;
  enum class Phase { kStart, kHead, kBody, kAwaiting, kClosing };
  Phase phase = Phase::kStart;
  std::string in;     // received bytes; those before `in_pos` are consumed
  size_t in_pos = 0;
  RequestHead head;
  std::optional<ChunkedBody> chunks;
  std::string body;
  bool dispatching = false;       // inside Dispatch: a reply now is a synchronous one
  // The read timeouts' clocks (see ReadTimeouts). `fresh`: nothing received yet.
  bool fresh = true;
  std::chrono::steady_clock::time_point request_started;  // first byte of the request being read
  std::chrono::steady_clock::time_point idle_since = std::chrono::steady_clock::now();
  std::shared_ptr<AuthMemo> auth_memo = std::make_shared<AuthMemo>();  // see AuthMemo
};

constexpr const char* kConnectionData = "kl.connection";
// Beyond a whole request, a client that sends on while its answer is pending is refused.
constexpr size_t kMaxBufferedBytes = kMaxHeadBytes + kMaxBodyBytes + 64 * 1024;

using Sweeper = ConnectionSweeper<Connection>;

std::shared_ptr<Connection> ConnectionOf(const std::shared_ptr<Tcp::Peer>& peer) {
  return std::static_pointer_cast<Connection>(peer->tryGetData(kConnectionData));
}

}  // namespace

// enable_shared_from_this: answers are often sent from other threads (the log's writer), and one
// can arrive while shutdown destroys the transport that owns this handler; they hold a weak
// reference and drop the answer when the handler is gone, instead of touching freed memory.
class FrontDoor : public Http::Handler, public std::enable_shared_from_this<FrontDoor> {
 public:
  HTTP_PROTOTYPE(FrontDoor)
  FrontDoor(const Router* router, Metrics* metrics, bool tls, int max_connections,
            std::shared_ptr<std::atomic<int>> connections, std::shared_ptr<Sweeper> sweeper,
            std::chrono::milliseconds request_deadline)
      : router_(router),
        metrics_(metrics),
        tls_(tls),
        max_connections_(max_connections),
        connections_(std::move(connections)),
        sweeper_(std::move(sweeper)),
        request_deadline_(request_deadline) {}

  // Counted across every reactor thread (each has its own clone of this handler).
  void onConnection(const std::shared_ptr<Tcp::Peer>& peer) override {
    // Pistache's own timeout sweep (its timeouts are set out of reach, see Server::Start) reads
    // a parser's clock and step, so each peer still has one.
    peer->putData(Http::Handler::ParserData, std::make_shared<Http::RequestParser>(kMaxHeadBytes));
    auto conn = std::make_shared<Connection>();
    conn->peer = peer;
    conn->fd = peer->fd();
    conn->reactor = std::this_thread::get_id();
    conn->direct_writes = !tls_;
    try {
      conn->peer_ip = peer->address().host();
    } catch (const std::exception&) {
    }
    peer->putData(kConnectionData, conn);
    sweeper_->Add(conn);
    if (connections_->fetch_add(1) + 1 > max_connections_)
      Refuse(conn, peer, Status(Code::kUnavailable, "too many connections; retry shortly"));
  }

  void onInput(const char* buffer, size_t len, const std::shared_ptr<Tcp::Peer>& peer) override {
    auto conn = ConnectionOf(peer);
    if (!conn) return;
    std::lock_guard lock(conn->mu);
    if (conn->phase == Connection::Phase::kClosing) return;
    if (conn->in.size() - conn->in_pos + len > kMaxBufferedBytes)
      return Refuse(conn, peer, Status(Code::kPayloadTooLarge, "the request exceeds the size limit"));
    conn->in.append(buffer, len);
    Process(conn, peer);
  }

  void onDisconnection(const std::shared_ptr<Tcp::Peer>& peer) override {
    // Pistache closes the fd right after this: nothing may act on it from now on. Under the
    // connection's lock, so the sweeper never writes to an fd that is closed (or reused).
    if (auto conn = ConnectionOf(peer)) {
      std::lock_guard lock(conn->mu);
      conn->open = false;
      sweeper_->Remove(conn.get());
    }
    connections_->fetch_sub(1);
    Http::Handler::onDisconnection(peer);
  }

  // Unused: requests are read by Process, never by Pistache's parser.
  void onRequest(const Http::Request&, Http::ResponseWriter) override {}

 private:
  // Reads as many whole requests from the connection's input as are there and answers them in
  // order. A request answered later (on the log writer's thread) holds back the ones after it,
  // so pipelined requests are answered in the order they came.
  void Process(const std::shared_ptr<Connection>& conn, const std::shared_ptr<Tcp::Peer>& peer) {
    using Phase = Connection::Phase;
    for (;;) {
      std::string_view data = std::string_view(conn->in).substr(conn->in_pos);
      if (conn->phase == Phase::kStart) {
        if (data.empty()) break;
        conn->fresh = false;
        conn->request_started = std::chrono::steady_clock::now();
        conn->phase = Phase::kHead;
      }
      if (conn->phase == Phase::kHead) {
        size_t end = FindHeadEnd(data);
        if (end == std::string_view::npos) {
          if (data.size() > kMaxHeadBytes)
            return Refuse(conn, peer, Status(Code::kPayloadTooLarge, "the request head exceeds 32 KiB"));
          break;
        }
        if (end > kMaxHeadBytes)
          return Refuse(conn, peer, Status(Code::kPayloadTooLarge, "the request head exceeds 32 KiB"));
        auto head = ParseRequestHead(data.substr(0, end));
        if (!head.ok()) return Refuse(conn, peer, head.status());
        conn->head = std::move(*head);
        conn->in_pos += end;
        conn->body.clear();
        conn->chunks.reset();
        if (conn->head.chunked) {
          conn->chunks.emplace(kMaxBodyBytes);
        } else if (conn->head.content_length > kMaxBodyBytes) {
          // Refused from the declared length: nothing of a body that could never fit is read.
          return Refuse(conn, peer, Status(Code::kPayloadTooLarge, "the body exceeds 64 KiB"));
        }
        conn->phase = Phase::kBody;
        data = std::string_view(conn->in).substr(conn->in_pos);
        bool body_here = conn->head.chunked ? false : data.size() >= conn->head.content_length;
        if (conn->head.expect_continue && !body_here) Write(conn, peer, std::string(kContinue), false);
      }
      if (conn->phase == Phase::kBody) {
        if (conn->chunks) {
          conn->in_pos += conn->chunks->Feed(data, conn->body);
          auto state = conn->chunks->state();
          if (state == ChunkedBody::State::kMalformed)
            return Refuse(conn, peer, Status(Code::kMalformedJson, "malformed HTTP request: bad chunked body"));
          if (state == ChunkedBody::State::kTooLarge)
            return Refuse(conn, peer, Status(Code::kPayloadTooLarge, "the body exceeds 64 KiB"));
          if (state == ChunkedBody::State::kMore) break;
        } else {
          size_t need = static_cast<size_t>(conn->head.content_length);
          if (data.size() < need) break;
          conn->body.assign(data.substr(0, need));
          conn->in_pos += need;
        }
        // Consumed input goes; what follows (a pipelined request) moves to the front.
        conn->in.erase(0, conn->in_pos);
        conn->in_pos = 0;
        // Read completely: the read timeouts end here. However long its commit takes, the request
        // gets its real outcome (docs/reliability.md, "Honest answers").
        conn->phase = Phase::kAwaiting;
        conn->dispatching = true;
        Handle(conn);
        conn->dispatching = false;
      }
      if (conn->phase != Phase::kStart) break;  // answered later, or closing
    }
    if (conn->in_pos > 0 && conn->in_pos == conn->in.size()) {
      conn->in.clear();
      conn->in_pos = 0;
    }
  }

  // Turns the request read into a RequestContext, routes it, and answers through `respond`.
  void Handle(const std::shared_ptr<Connection>& conn) {
    auto started = std::chrono::steady_clock::now();
    auto ctx = std::make_shared<RequestContext>();
    RequestHead& head = conn->head;
    ctx->method = std::move(head.method);
    ctx->path = std::move(head.path);
    if (!head.query.empty())
      for (auto& [name, value] : ParseQuery(head.query)) ctx->query[std::move(name)] = std::move(value);
    ctx->headers = std::move(head.headers);
    ctx->body = std::move(conn->body);
    ctx->peer_ip = conn->peer_ip;
    ctx->auth_memo = conn->auth_memo;
    auto client_id = ctx->HeaderView("x-request-id");
    ctx->request_id = client_id && IsClientRequestId(*client_id) ? std::string(*client_id) : NewRequestId(NowMillis());
    bool close_after = head.close;
    bool head_only = ctx->method == "HEAD";

    auto sent = std::make_shared<std::atomic<bool>>(false);
    Metrics* metrics = metrics_;
    std::weak_ptr<FrontDoor> weak = weak_from_this();
    Tcp::Transport* transport = this->transport();
    Respond respond = [weak, transport, conn, sent, close_after, head_only, metrics, ctx, started](Reply reply) {
      if (sent->exchange(true)) return;  // exactly one reply per request
      // Counted before it is sent, so a client that reads /metrics next already sees it.
      std::chrono::duration<double> took = std::chrono::steady_clock::now() - started;
      if (metrics) metrics->ObserveRequest(ctx->route, reply.status, took.count());
      const Principal& who = ctx->principal;
      LogAccess(AccessRecord{ctx->request_id, ctx->method, ctx->route, reply.status, took.count() * 1000.0,
                             who.kind == Principal::Kind::kAdmin    ? "admin"
                             : who.kind == Principal::Kind::kApiKey ? "api_key"
                                                                    : "anonymous",
                             who.key_id(), ctx->peer_ip});
      auto self = weak.lock();
      if (!self) return;  // shutting down: the connection goes with the transport
      try {
        if (!reply.file_path.empty()) return self->SendFile(conn, transport, reply, ctx->request_id, close_after);
        std::string bytes;
        AppendResponse(ResponseParts{reply.status, reply.content_type, ctx->request_id, &reply.headers, reply.body,
                                     head_only, close_after},
                       bytes);
        self->Answer(conn, std::move(bytes), close_after);
      } catch (const std::exception& e) {
        spdlog::warn("could not send a reply: {}", e.what());
      }
    };
    // A processing deadline bounds only the wait to enter a commit: an append still queued past
    // it is refused (503, not applied); one in a commit group is answered with the group's outcome.
    std::optional<storage::ScopedAppendDeadline> deadline;
    if (request_deadline_.count() > 0) deadline.emplace(started + request_deadline_);
    Dispatch(*router_, ctx, respond);
  }

  // The answer to the request in progress: written now when on the connection's own thread,
  // else through Pistache's write queue, after which the connection reads on.
  void Answer(const std::shared_ptr<Connection>& conn, std::string bytes, bool close_after) {
    if (std::this_thread::get_id() == conn->reactor) {
      auto peer = conn->peer.lock();
      if (!peer || !conn->open) return;
      Write(conn, peer, std::move(bytes), close_after);
      Answered(conn, peer, close_after);
      return;
    }
    auto peer = conn->peer.lock();
    if (!peer || !conn->open) return;
    conn->queued.fetch_add(1);
    std::weak_ptr<FrontDoor> weak = weak_from_this();
    // Pistache resolves the write on the connection's reactor thread (or here, if it is done
    // before `then` attaches).
    size_t size = bytes.size();
    peer->send(Pistache::RawBuffer(std::move(bytes), size), MSG_NOSIGNAL)
        .then([weak, conn, close_after](ssize_t) { QueuedAnswerSent(weak, conn, close_after); },
              [conn](std::exception_ptr) { conn->queued.fetch_sub(1); });
  }

  // A whole answer queued on Pistache (Answer, SendFile) is out: the connection reads on.
  static void QueuedAnswerSent(const std::weak_ptr<FrontDoor>& weak, const std::shared_ptr<Connection>& conn,
                               bool close_after) {
    conn->queued.fetch_sub(1);
    auto self = weak.lock();
    auto peer = conn->peer.lock();
    if (!self || !peer || !conn->open) return;
    if (close_after) ::shutdown(conn->fd, SHUT_RDWR);
    self->Answered(conn, peer, close_after);
  }

  // Reactor thread: the request in progress has its answer; read on.
  void Answered(const std::shared_ptr<Connection>& conn, const std::shared_ptr<Tcp::Peer>& peer, bool close_after) {
    std::lock_guard lock(conn->mu);
    conn->idle_since = std::chrono::steady_clock::now();
    conn->phase = close_after ? Connection::Phase::kClosing : Connection::Phase::kStart;
    if (!conn->dispatching && !close_after) Process(conn, peer);
  }

  // Reactor thread: bytes out in order. Straight to the socket when nothing is queued before
  // them (Pistache's queue would cost an eventfd wake-up and two epoll_ctl calls per answer);
  // what the socket does not take at once goes to the queue, which waits for it to drain.
  static void Write(const std::shared_ptr<Connection>& conn, const std::shared_ptr<Tcp::Peer>& peer,
                    std::string bytes, bool close_after) {
    size_t done = 0;
    if (conn->direct_writes && conn->queued.load() == 0) {
      while (done < bytes.size()) {
        ssize_t n = ::send(conn->fd, bytes.data() + done, bytes.size() - done, MSG_NOSIGNAL | MSG_DONTWAIT);
        if (n > 0) {
          done += static_cast<size_t>(n);
        } else if (n < 0 && errno == EINTR) {
          continue;
        } else if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
          break;
        } else {
          return;  // the connection is broken: Pistache sees it on its next read
        }
      }
      if (done == bytes.size()) {
        if (close_after) ::shutdown(conn->fd, SHUT_RDWR);
        return;
      }
    }
    conn->queued.fetch_add(1);
    peer->send(Pistache::RawBuffer(bytes.substr(done), bytes.size() - done), MSG_NOSIGNAL)
        .then(
            [conn, close_after](ssize_t) {
              conn->queued.fetch_sub(1);
              if (close_after && conn->open) ::shutdown(conn->fd, SHUT_RDWR);
            },
            [conn](std::exception_ptr) { conn->queued.fetch_sub(1); });
  }

  // A reply whose body is a file on disk: Pistache's serveFile sends it without reading it into
  // memory, through its write queue (any thread).
  void SendFile(const std::shared_ptr<Connection>& conn, Tcp::Transport* transport, const Reply& reply,
                const std::string& request_id, bool close_after) {
    auto peer = conn->peer.lock();
    if (!peer || !conn->open) return;
    Http::ResponseWriter w(Http::Version::Http11, transport, this, peer);
    SetHeader(w, "X-Request-Id", request_id);
    for (const auto& [k, v] : reply.headers) SetHeader(w, k, v);
    if (close_after) SetHeader(w, "Connection", "close");
    conn->queued.fetch_add(1);
    std::weak_ptr<FrontDoor> weak = weak_from_this();
    Http::serveFile(w, reply.file_path, Http::Mime::MediaType::fromString(reply.content_type))
        .then([weak, conn, close_after](ssize_t) { QueuedAnswerSent(weak, conn, close_after); },
              [conn](std::exception_ptr) { conn->queued.fetch_sub(1); });
  }

  void Refuse(const std::shared_ptr<Connection>& conn, const std::shared_ptr<Tcp::Peer>& peer, const Status& status) {
    std::string id = NewRequestId(NowMillis());
    RefuseWith(conn, peer, ErrorReply(status, id), id);
  }

 public:
  // Answers with `reply` (an error) and closes the connection. Any thread, under conn->mu.
  static void RefuseWith(const std::shared_ptr<Connection>& conn, const std::shared_ptr<Tcp::Peer>& peer,
                         const Reply& reply, const std::string& id) {
    try {
      LogAccess(AccessRecord{id, "-", "", reply.status, 0.0, "anonymous", "", conn->peer_ip});
      std::string bytes;
      AppendResponse(ResponseParts{reply.status, reply.content_type, id, &reply.headers, reply.body, false, true}, bytes);
      conn->phase = Connection::Phase::kClosing;
      conn->idle_since = std::chrono::steady_clock::now();
      conn->in.clear();
      conn->in_pos = 0;
      Write(conn, peer, std::move(bytes), /*close_after=*/true);
    } catch (const std::exception& e) {
      spdlog::warn("could not refuse a request: {}", e.what());
    }
  }

 private:
  const Router* router_;
  Metrics* metrics_;
  bool tls_;
  int max_connections_;
  std::shared_ptr<std::atomic<int>> connections_;
  std::shared_ptr<Sweeper> sweeper_;
  std::chrono::milliseconds request_deadline_;
};
namespace {

struct ReadTimeouts {
  std::chrono::milliseconds header, body, idle;
};

// The front door's timeouts (ServerOptions), on the sweeper's thread. They guard reading a
// request and nothing else: a request read completely (kAwaiting) has none, however long its
// commit takes. A connection that sent nothing yet gets the header timeout.
void SweepConnection(const std::shared_ptr<Connection>& conn, std::chrono::steady_clock::time_point now,
                     const ReadTimeouts& t) {
  using Phase = Connection::Phase;
  std::unique_lock lock(conn->mu, std::try_to_lock);
  if (!lock.owns_lock() || !conn->open) return;  // busy now: looked at again next time
  bool too_slow = false;
  switch (conn->phase) {
    case Phase::kStart:
      if (conn->fresh) {
        too_slow = now - conn->idle_since > t.header;
      } else if (now - conn->idle_since > t.idle) {
        // Idle keep-alive: closed without an answer (no request is in progress). Pistache sees
        // the end of input and lets the connection go.
        conn->phase = Phase::kClosing;
        conn->idle_since = now;
        ::shutdown(conn->fd, SHUT_RDWR);
      }
      break;
    case Phase::kHead: too_slow = now - conn->request_started > std::min(t.header, t.body); break;
    case Phase::kBody: too_slow = now - conn->request_started > t.body; break;
    case Phase::kAwaiting: break;
    case Phase::kClosing:
      // Its last answer is still queued (the client does not read): let it go all the same.
      if (now - conn->idle_since > t.idle) ::shutdown(conn->fd, SHUT_RDWR);
      break;
  }
  if (!too_slow) return;
  auto peer = conn->peer.lock();
  if (!peer) return;
  std::string id = NewRequestId(NowMillis());
  Reply reply = Reply::Json(408, {{"error",
                                   {{"code", "request_timeout"},
                                    {"message", "the request was not received in time; the connection is closed"},
                                    {"request_id", id}}}});
  FrontDoor::RefuseWith(conn, peer, reply, id);
}

// How often the sweeper looks: a fraction of the shortest timeout, so none is overrun by more.
std::chrono::milliseconds SweepInterval(const ReadTimeouts& t) {
  auto shortest = std::min({t.header, t.body, t.idle});
  return std::clamp(shortest / 5, std::chrono::milliseconds(10), std::chrono::milliseconds(250));
}

}  // namespace

struct Server::Impl {
  Services& services;
  ServerOptions options;
  Router router;
  std::unique_ptr<Metrics> metrics;
  std::shared_ptr<Sweeper> sweeper;
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
    const ServerOptions& o = impl_->options;
    ReadTimeouts timeouts{std::chrono::milliseconds(o.header_timeout_ms), std::chrono::milliseconds(o.body_timeout_ms),
                          std::chrono::milliseconds(o.idle_timeout_ms)};
    impl_->sweeper = std::make_shared<Sweeper>(
        SweepInterval(timeouts), [timeouts](const std::shared_ptr<Connection>& c, auto now) { SweepConnection(c, now, timeouts); });
    // Pistache's own timeouts are out of reach: its header timeout runs on until the answer is
    // sent (a slow commit got 408 although applied) and its 408 does not say Connection: close.
    constexpr std::chrono::milliseconds kNever = std::chrono::hours(24 * 365);
    auto opts = Http::Endpoint::options()
                    .threads(impl_->options.threads)
                    .flags(Pistache::Tcp::Options::ReuseAddr)
                    // Requests are read by FrontDoor, which enforces its own limits.
                    .maxRequestSize(kMaxHeadBytes + kMaxBodyBytes)
                    .maxResponseSize(16 * 1024 * 1024)
                    .headerTimeout(kNever)
                    .bodyTimeout(kNever)
                    .keepaliveTimeout(kNever);
    impl_->endpoint->init(opts);
    if (!impl_->options.tls_cert.empty()) impl_->endpoint->useSSL(impl_->options.tls_cert, impl_->options.tls_key);
    impl_->endpoint->setHandler(Http::make_handler<FrontDoor>(&impl_->router, impl_->metrics.get(), !impl_->options.tls_cert.empty(),
                                                              impl_->options.max_connections,
                                                              std::make_shared<std::atomic<int>>(0), impl_->sweeper,
                                                              std::chrono::milliseconds(o.request_deadline_ms)));
    impl_->endpoint->serveThreaded();
  } catch (const std::exception& e) {
    return Status(Code::kUnavailable, std::string("cannot listen on ") + impl_->options.listen + ": " + e.what());
  }
  return Status::Ok();
}

void Server::Shutdown() {
  if (impl_ && impl_->sweeper) impl_->sweeper->Stop();  // before the connections go
  if (impl_ && impl_->endpoint) {
    impl_->endpoint->shutdown();
    impl_->endpoint.reset();
  }
}

uint16_t Server::Port() const {
  return impl_->endpoint ? static_cast<uint16_t>(impl_->endpoint->getPort()) : 0;
}

}  // namespace kl::http
