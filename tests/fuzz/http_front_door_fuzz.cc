// Fuzzes the HTTP front door with raw bytes (docs/spec.md, Robustness): the real http::Server, wired as
// `keyledger serve` wires it (RocksDB log, projector, read model, signer, exporter) over a data
// directory in /dev/shm, listening on a loopback port. Each input is sent on a fresh TCP
// connection, which is then half-closed (see Exchange); the answer is read until the server
// closes.
//
// A finding is: the process crashing (ASan/UBSan, an uncaught exception on a server thread), any
// response with status 500 or without X-Request-Id, or the server no longer answering
// GET /healthz on another connection (a hang). An input that keeps its own connection open is not one by itself: a
// long poll (`wait_ms`) may legitimately hold it for 30 s.
//
// Inputs can authenticate: the admin token is fixed (kAdminToken, also in the seed corpus), and
// the org "acme" exists from the start.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <string>

#include <spdlog/spdlog.h>

#include "domain/crypto.h"
#include "domain/signer.h"
#include "exports/exporter.h"
#include "http/server.h"
#include "projections/projector.h"
#include "projections/read_model.h"
#include "projections/usage_tracker.h"
#include "storage/database.h"
#include "storage/rocks_log.h"

using namespace kl;

namespace {

constexpr const char* kAdminToken = "fuzz-admin-token-0123456789abcdefghij";
constexpr int kAnswerTimeoutMs = 3000;   // a request with no long poll is answered well within this
constexpr int kHealthTimeoutMs = 10000;  // the bar for "the server hangs"

// Everything `keyledger serve` builds, kept alive for the whole run (never torn down: libFuzzer
// exits the process, and the data directory is in /dev/shm, removed at exit).
struct Service {
  std::string dir;
  std::unique_ptr<storage::Database> db;
  projections::UsageTracker usage;
  std::unique_ptr<projections::Projector> projector;
  std::unique_ptr<storage::RocksLog> log;
  std::unique_ptr<projections::ReadModel> reads;
  std::unique_ptr<exports::Exporter> exporter;
  http::Services services;
  std::unique_ptr<http::Server> server;
  uint16_t port = 0;
};
Service* g_service = nullptr;

// The data directory lives in /dev/shm (fsync there is cheap). Removed at exit and by Die();
// a sanitizer report skips both, so scripts/fuzz.sh puts it in a parent it removes itself.
void RemoveDataDir() {
  if (g_service) {
    std::error_code ec;
    std::filesystem::remove_all(g_service->dir, ec);
  }
}

// At a normal exit, stop serving and writing before static destructors run: the log's writer
// thread may still be finishing the last input's append, and it uses function-local statics
// (AllEventTypeNames) that exit() destroys. Same order as RunServe's shutdown.
void StopService() {
  if (!g_service) return;
  if (g_service->server) g_service->server->Shutdown();
  if (g_service->log) g_service->log->Stop();
  RemoveDataDir();
}

[[noreturn]] void Die(const std::string& what) {
  std::fprintf(stderr, "http_front_door_fuzz: %s\n", what.c_str());
  RemoveDataDir();
  std::abort();
}

template <typename T>
T Must(Result<T> r, const char* what) {
  if (!r.ok()) Die(std::string(what) + ": " + r.status().message());
  return std::move(r.value());
}

// A port nobody listens on now: bind to port 0, read the port the kernel chose, release it.
uint16_t FreeLoopbackPort() {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof a;
  if (::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0 ||
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len) != 0)
    Die("cannot find a free port");
  ::close(fd);
  return ntohs(a.sin_port);
}

int Connect(uint16_t port) {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(port);
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) {
    ::close(fd);
    return -1;
  }
  return fd;
}

// True once `answer` holds at least one whole response (head and Content-Length body).
bool HasWholeResponse(const std::string& answer) {
  size_t head_end = answer.find("\r\n\r\n");
  if (head_end == std::string::npos) return false;
  size_t length = 0;
  for (size_t at = answer.find("\r\n"); at < head_end; at = answer.find("\r\n", at + 2)) {
    if (strncasecmp(answer.c_str() + at + 2, "Content-Length:", 15) == 0)
      length = std::strtoull(answer.c_str() + at + 17, nullptr, 10);
  }
  return answer.size() >= head_end + 4 + length;
}

// Sends `request` and reads the answer until the server closes or `timeout_ms` passes; `closed`
// tells which. The connection is half-closed once an answer is complete, or at once when the
// request cannot be complete (no blank line), or after kIdleMs of silence: the server then sees
// the end of the stream. Half-closing at once always would lose the answers sent later by the
// log's writer thread (every write route answers from there).
constexpr int kIdleMs = 50;
std::string Exchange(uint16_t port, std::string_view request, int timeout_ms, bool* closed, int idle_ms = kIdleMs) {
  *closed = false;
  int fd = Connect(port);
  if (fd < 0) Die("the server does not accept connections any more");
  // The server may answer (and close) before reading everything: a failed send is fine.
  for (size_t sent = 0; sent < request.size();) {
    ssize_t n = ::send(fd, request.data() + sent, request.size() - sent, MSG_NOSIGNAL);
    if (n <= 0) break;
    sent += static_cast<size_t>(n);
  }
  bool half_closed = request.find("\r\n\r\n") == std::string_view::npos;
  if (half_closed) ::shutdown(fd, SHUT_WR);
  std::string answer;
  auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  char buf[16384];
  for (;;) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) break;
    pollfd p{fd, POLLIN, 0};
    int wait = half_closed ? static_cast<int>(left.count()) : std::min<int>(idle_ms, static_cast<int>(left.count()));
    if (::poll(&p, 1, wait) <= 0) {
      if (half_closed) break;
      ::shutdown(fd, SHUT_WR);
      half_closed = true;
      continue;
    }
    ssize_t n = ::recv(fd, buf, sizeof buf, 0);
    if (n <= 0) {
      *closed = true;
      break;
    }
    answer.append(buf, static_cast<size_t>(n));
    if (!half_closed && HasWholeResponse(answer)) {
      ::shutdown(fd, SHUT_WR);
      half_closed = true;
    }
  }
  ::close(fd);
  return answer;
}

// What is wrong with the responses in `answer` (pipelined requests give several), or "" if
// nothing: a 500, or a response without the X-Request-Id every response must carry (docs/spec.md, HTTP conventions).
std::string ProblemIn(const std::string& answer) {
  if (!answer.empty() && answer.rfind("HTTP/1.", 0) != 0) return "an answer that is not HTTP";
  for (size_t at = 0; at < answer.size();) {
    size_t head_end = answer.find("\r\n\r\n", at);
    if (head_end == std::string::npos) break;  // cut short by the close: nothing to judge
    std::string head = answer.substr(at, head_end - at);
    if (head.compare(8, 5, " 500 ") == 0) return "a 500 answer";
    bool has_id = false;
    size_t length = 0;
    for (size_t line = head.find("\r\n"); line != std::string::npos; line = head.find("\r\n", line + 2)) {
      const char* name = head.c_str() + line + 2;
      if (strncasecmp(name, "X-Request-Id:", 13) == 0) has_id = true;
      if (strncasecmp(name, "Content-Length:", 15) == 0) length = std::strtoull(name + 15, nullptr, 10);
    }
    // An interim answer ("100 Continue" to an Expect) is a status line alone: no request id.
    bool interim = head.size() > 9 && head[9] == '1';
    if (!has_id && !interim) return "a response without X-Request-Id";
    at = head_end + 4 + length;
    if (at < answer.size() && answer.compare(at, 7, "HTTP/1.") != 0) break;  // not a response boundary
  }
  return "";
}

// Empty when GET /healthz on a new connection is answered 200, else what went wrong.
std::string HealthProblem(uint16_t port) {
  bool closed = false;
  auto started = std::chrono::steady_clock::now();
  std::string answer = Exchange(port, "GET /healthz HTTP/1.1\r\nHost: fuzz\r\nConnection: close\r\n\r\n",
                                kHealthTimeoutMs, &closed);
  auto took = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - started);
  if (answer.rfind("HTTP/1.1 200", 0) == 0) return "";
  return "GET /healthz on another connection failed after " + std::to_string(took.count()) + " ms (" +
         (closed ? "closed by the server" : "no answer") + "); it answered: " + answer;
}

void CheckAlive(uint16_t port) {
  std::string problem = HealthProblem(port);
  if (!problem.empty()) Die(problem);
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  signal(SIGPIPE, SIG_IGN);
  spdlog::set_level(spdlog::level::off);  // the server logs every refused request; noise here
  auto* s = new Service;
  const char* parent = std::getenv("KEYLEDGER_FUZZ_DATA_PARENT");  // set by scripts/fuzz.sh
  std::string tmpl = std::string(parent ? parent : "/dev/shm") + "/keyledger-fuzz-XXXXXX";
  if (!::mkdtemp(tmpl.data())) Die("cannot create a data directory in " + tmpl);
  s->dir = tmpl;
  g_service = s;

  s->db = Must(storage::Database::Open(s->dir + "/db", projections::ColumnFamilies()), "open RocksDB");
  s->projector = std::make_unique<projections::Projector>(s->db.get(), &s->usage);
  s->log = Must(storage::RocksLog::Open(s->db.get(), s->projector.get()), "open the log");
  Must(s->projector->CatchUp(*s->log), "catch up");
  s->reads = std::make_unique<projections::ReadModel>(s->db.get(), &s->usage);
  auto signer = Must(Signer::Generate(), "generate a signing key");
  s->exporter = std::make_unique<exports::Exporter>(*s->log, signer, s->dir + "/exports");
  s->services.log = s->log.get();
  s->services.reads = s->reads.get();
  s->services.usage = &s->usage;
  s->services.admin_token_hash_hex = ToHex(Sha256(kAdminToken));
  s->services.signer = signer;
  s->services.exporter = s->exporter.get();

  s->port = FreeLoopbackPort();
  http::ServerOptions options;
  options.listen = "127.0.0.1:" + std::to_string(s->port);
  options.threads = 1;
  s->server = std::make_unique<http::Server>(s->services, options);
  if (Status st = s->server->Start(); !st.ok()) Die(st.message());
  s->services.ready = true;

  // The org every seed addresses; a key in it so listing and validation find something.
  const std::string auth = std::string("Authorization: Bearer ") + kAdminToken + "\r\n";
  for (std::string body : {std::string(R"({"name":"Acme","id":"acme"})")}) {
    bool closed = false;
    std::string req = "POST /v1/orgs HTTP/1.1\r\nHost: fuzz\r\n" + auth +
                      "Content-Type: application/json\r\nContent-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body;
    std::string answer = Exchange(s->port, req, kAnswerTimeoutMs, &closed, kAnswerTimeoutMs);
    if (answer.rfind("HTTP/1.1 201", 0) != 0) Die("cannot create the org: " + answer);
  }
  std::string key_body = R"({"name":"seed","permission_set":"full_access"})";
  bool closed = false;
  std::string answer = Exchange(s->port,
                                "POST /v1/orgs/acme/api-keys HTTP/1.1\r\nHost: fuzz\r\n" + auth +
                                    "Content-Type: application/json\r\nContent-Length: " +
                                    std::to_string(key_body.size()) + "\r\n\r\n" + key_body,
                                kAnswerTimeoutMs, &closed, kAnswerTimeoutMs);
  if (answer.rfind("HTTP/1.1 201", 0) != 0) Die("cannot create a key: " + answer);
  // Registered last, so it runs before the destructors of the statics the requests above created.
  std::atexit(StopService);
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  bool closed = false;
  std::string answer =
      Exchange(g_service->port, std::string_view(reinterpret_cast<const char*>(data), size), kAnswerTimeoutMs, &closed);
  // KEYLEDGER_FUZZ_SHOW=1: print what came back, to see what a reproducer does.
  static const bool show = std::getenv("KEYLEDGER_FUZZ_SHOW") != nullptr;
  if (show) std::fprintf(stderr, "-- %s, %zu bytes back:\n%.600s\n", closed ? "closed" : "left open", answer.size(), answer.c_str());
  if (std::string problem = ProblemIn(answer); !problem.empty()) Die(problem + ":\n" + answer);
  // Still open after the budget: a long poll, or a stuck connection. Either way the server must
  // still serve others.
  if (!closed) CheckAlive(g_service->port);
  return 0;
}
