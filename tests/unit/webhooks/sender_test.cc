// Send (webhooks/sender.h) against a one-connection HTTP server on loopback: 2xx is delivered,
// anything else is an error naming the status, a redirect is not followed, a slow receiver times
// out, and without insecure mode a loopback address is refused before anything is sent.
#include <catch2/catch.hpp>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <string>
#include <thread>

#include "webhooks/sender.h"

using namespace std::chrono_literals;
using kl::webhooks::Send;
using kl::webhooks::SendOptions;

namespace {

// Accepts connections on a free loopback port and answers each request with `answer`, after
// `delay`; records what the last request carried and how many arrived.
class OneAnswerServer {
 public:
  OneAnswerServer(std::string answer, std::chrono::milliseconds delay = 0ms)
      : answer_(std::move(answer)), delay_(delay) {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    REQUIRE(::bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0);
    socklen_t len = sizeof addr;
    ::getsockname(fd_, reinterpret_cast<sockaddr*>(&addr), &len);
    port_ = ntohs(addr.sin_port);
    REQUIRE(::listen(fd_, 4) == 0);
    thread_ = std::thread([this] { Serve(); });
  }
  ~OneAnswerServer() {
    stop_ = true;
    ::shutdown(fd_, SHUT_RDWR);
    ::close(fd_);
    thread_.join();
  }
  std::string url(const std::string& path = "/hook") const {
    return "http://127.0.0.1:" + std::to_string(port_) + path;
  }
  int requests() const { return requests_; }
  std::string last_request() const {
    std::lock_guard lock(mu_);
    return last_;
  }

 private:
  void Serve() {
    while (!stop_) {
      int c = ::accept(fd_, nullptr, nullptr);
      if (c < 0) return;
      std::string got;
      char buf[4096];
      // Read the head and a small body: enough for these tests' requests.
      while (got.find("\r\n\r\n") == std::string::npos || got.size() < got.find("\r\n\r\n") + 4 + 2) {
        ssize_t n = ::read(c, buf, sizeof buf);
        if (n <= 0) break;
        got.append(buf, static_cast<size_t>(n));
      }
      {
        std::lock_guard lock(mu_);
        last_ = got;
      }
      ++requests_;
      std::this_thread::sleep_for(delay_);  // the receiver's own slowness, under test
      (void)!::write(c, answer_.data(), answer_.size());
      ::close(c);
    }
  }
  std::string answer_;
  std::chrono::milliseconds delay_;
  int fd_ = -1;
  int port_ = 0;
  std::atomic<bool> stop_{false};
  std::atomic<int> requests_{0};
  mutable std::mutex mu_;
  std::string last_;
  std::thread thread_;
};

const std::string kOk = "HTTP/1.1 204 No Content\r\nContent-Length: 0\r\nConnection: close\r\n\r\n";

SendOptions Insecure() {
  SendOptions o;
  o.allow_insecure = true;
  o.timeout = 5000ms;
  return o;
}

}  // namespace

TEST_CASE("a 2xx answer is a delivery, with the headers and body sent as given") {
  kl::webhooks::GlobalInit();
  OneAnswerServer server(kOk);
  auto r = Send(server.url(), {{"Keyledger-Event-Id", "evt_1"}, {"Content-Type", "application/json"}}, "{}",
                Insecure());
  CHECK(r.delivered);
  CHECK(r.http_status == 204);
  CHECK(r.error.empty());
  std::string req = server.last_request();
  CHECK(req.rfind("POST /hook ", 0) == 0);
  CHECK(req.find("Keyledger-Event-Id: evt_1\r\n") != std::string::npos);
  CHECK(req.substr(req.size() - 2) == "{}");
}

TEST_CASE("an error status is not a delivery, and a redirect is an answer, not a new target") {
  kl::webhooks::GlobalInit();
  OneAnswerServer failing("HTTP/1.1 503 Service Unavailable\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
  auto r = Send(failing.url(), {}, "{}", Insecure());
  CHECK_FALSE(r.delivered);
  CHECK(r.http_status == 503);
  CHECK(r.error == "HTTP 503");

  OneAnswerServer target(kOk);
  OneAnswerServer redirecting("HTTP/1.1 307 Temporary Redirect\r\nLocation: " + target.url() +
                              "\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
  auto moved = Send(redirecting.url(), {}, "{}", Insecure());
  CHECK_FALSE(moved.delivered);
  CHECK(moved.http_status == 307);
  CHECK(target.requests() == 0);
}

TEST_CASE("a receiver slower than the timeout is a failed delivery") {
  kl::webhooks::GlobalInit();
  OneAnswerServer slow(kOk, 1000ms);
  SendOptions o = Insecure();
  o.timeout = 200ms;
  auto r = Send(slow.url(), {}, "{}", o);
  CHECK_FALSE(r.delivered);
  CHECK(r.http_status == 0);
  CHECK_FALSE(r.error.empty());
}

TEST_CASE("outside insecure mode a loopback receiver is refused before a byte is sent") {
  kl::webhooks::GlobalInit();
  OneAnswerServer server(kOk);
  SendOptions o;
  o.timeout = 2000ms;
  std::string https = "https://127.0.0.1:" + server.url().substr(server.url().rfind(':') + 1);
  auto r = Send(https, {}, "{}", o);
  CHECK_FALSE(r.delivered);
  CHECK(r.error == "refused: the URL resolves to a loopback, private or reserved address");
  CHECK(server.requests() == 0);
}
