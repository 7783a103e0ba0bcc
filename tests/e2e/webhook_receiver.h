// A real HTTP receiver on loopback for the webhook tests: records every POST (headers and
// body) and answers with the status its policy picks, so tests can fail deliveries on purpose.
#pragma once
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <cctype>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include <openssl/hmac.h>

#include <nlohmann/json.hpp>

namespace kl::e2e {

struct Delivery {
  std::string event_id;   // Keyledger-Event-Id
  std::string signature;  // Keyledger-Signature
  std::string body;
  nlohmann::json Json() const { return nlohmann::json::parse(body, nullptr, false); }
};

class WebhookReceiver {
 public:
  // policy(n, delivery): the HTTP status for the n-th request (0-based); 200 by default.
  using Policy = std::function<int(size_t, const Delivery&)>;

  WebhookReceiver() {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    int one = 1;
    ::setsockopt(fd_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ::bind(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a);
    socklen_t len = sizeof a;
    ::getsockname(fd_, reinterpret_cast<sockaddr*>(&a), &len);
    port_ = ntohs(a.sin_port);
    ::listen(fd_, 64);
    thread_ = std::thread([this] { Loop(); });
  }
  ~WebhookReceiver() {
    stop_ = true;
    thread_.join();
    ::close(fd_);
  }

  std::string Url(const std::string& path = "/hook") const {
    return "http://127.0.0.1:" + std::to_string(port_) + path;
  }
  void SetPolicy(Policy p) {
    std::lock_guard lock(mu_);
    policy_ = std::move(p);
  }
  // Deliveries answered 2xx, in arrival order.
  std::vector<Delivery> Accepted() const {
    std::lock_guard lock(mu_);
    return accepted_;
  }
  size_t Requests() const {
    std::lock_guard lock(mu_);
    return requests_;
  }

 private:
  static std::string Lower(std::string s) {
    for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return s;
  }

  void Loop() {
    while (!stop_) {
      pollfd p{fd_, POLLIN, 0};
      if (::poll(&p, 1, 50) <= 0) continue;
      int c = ::accept(fd_, nullptr, nullptr);
      if (c < 0) continue;
      Serve(c);
      ::close(c);
    }
  }

  void Serve(int c) {
    std::string in;
    char buf[8192];
    size_t header_end;
    while ((header_end = in.find("\r\n\r\n")) == std::string::npos) {
      ssize_t n = ::recv(c, buf, sizeof buf, 0);
      if (n <= 0) return;
      in.append(buf, static_cast<size_t>(n));
    }
    Delivery d;
    size_t length = 0;
    size_t pos = in.find("\r\n") + 2;
    while (pos < header_end) {
      size_t eol = in.find("\r\n", pos);
      std::string line = in.substr(pos, eol - pos);
      pos = eol + 2;
      size_t colon = line.find(':');
      if (colon == std::string::npos) continue;
      std::string name = Lower(line.substr(0, colon));
      std::string value = line.substr(line.find_first_not_of(' ', colon + 1));
      if (name == "content-length") length = std::stoul(value);
      if (name == "keyledger-event-id") d.event_id = value;
      if (name == "keyledger-signature") d.signature = value;
    }
    d.body = in.substr(header_end + 4);
    while (d.body.size() < length) {
      ssize_t n = ::recv(c, buf, sizeof buf, 0);
      if (n <= 0) return;
      d.body.append(buf, static_cast<size_t>(n));
    }
    Policy policy;
    size_t n;
    {
      std::lock_guard lock(mu_);
      policy = policy_;
      n = requests_++;
    }
    int status = policy ? policy(n, d) : 200;  // outside the lock: a policy may stall on purpose
    if (status >= 200 && status < 300) {
      std::lock_guard lock(mu_);
      accepted_.push_back(d);
    }
    std::string out = "HTTP/1.1 " + std::to_string(status) + " X\r\nContent-Length: 0\r\nConnection: close\r\n\r\n";
    ::send(c, out.data(), out.size(), MSG_NOSIGNAL);
  }

  int fd_ = -1;
  int port_ = 0;
  std::atomic<bool> stop_{false};
  std::thread thread_;
  mutable std::mutex mu_;
  Policy policy_;
  std::vector<Delivery> accepted_;
  size_t requests_ = 0;
};

// Checks a Keyledger-Signature the way docs/webhooks.md words it, with nothing of keyledger's code:
// t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<body>")>.
inline bool SignatureValid(const std::string& header, const std::string& secret, const std::string& body) {
  size_t comma = header.find(",v1=");
  if (header.rfind("t=", 0) != 0 || comma == std::string::npos) return false;
  std::string t = header.substr(2, comma - 2);
  std::string given = header.substr(comma + 4);
  std::string payload = t + "." + body;
  unsigned char mac[32];
  unsigned int len = 0;
  HMAC(EVP_sha256(), secret.data(), static_cast<int>(secret.size()),
       reinterpret_cast<const unsigned char*>(payload.data()), payload.size(), mac, &len);
  static const char* kHex = "0123456789abcdef";
  std::string hex;
  for (unsigned i = 0; i < len; ++i) {
    hex.push_back(kHex[mac[i] >> 4]);
    hex.push_back(kHex[mac[i] & 15]);
  }
  return hex == given;
}

}  // namespace kl::e2e
