// A raw TCP connection to the server under test, for what an HTTP library would hide.
#pragma once
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <regex>
#include <stdexcept>
#include <string>

namespace kl::e2e {

class RawConn {
 public:
  explicit RawConn(int port) {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(static_cast<uint16_t>(port));
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::connect(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) throw std::runtime_error("connect");
  }
  ~RawConn() { ::close(fd_); }
  void Send(const std::string& bytes) { ::send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL); }
  // Reads one response (headers + Content-Length body); empty if the peer closed first.
  std::string ReadResponse(int timeout_ms = 5000) {
    std::string buf;
    while (true) {
      auto end = buf.find("\r\n\r\n");
      if (end != std::string::npos) {
        std::smatch m;
        std::string head = buf.substr(0, end);
        size_t len = 0;
        if (std::regex_search(head, m, std::regex("Content-Length: *([0-9]+)", std::regex::icase)))
          len = std::stoul(m[1]);
        if (buf.size() >= end + 4 + len) return buf.substr(0, end + 4 + len);
      }
      if (!Readable(timeout_ms)) return buf;
      char tmp[4096];
      ssize_t n = ::recv(fd_, tmp, sizeof tmp, 0);
      if (n <= 0) return buf;
      buf.append(tmp, static_cast<size_t>(n));
    }
  }
  // True when the server closed the connection within the timeout.
  bool ClosedByPeer(int timeout_ms = 5000) {
    if (!Readable(timeout_ms)) return false;
    char tmp[1];
    return ::recv(fd_, tmp, 1, 0) == 0;
  }
  // True when the server sent something or closed within the timeout (nothing is read).
  bool Readable(int timeout_ms) {
    pollfd p{fd_, POLLIN, 0};
    return ::poll(&p, 1, timeout_ms) > 0;
  }

 private:
  int fd_;
};

}  // namespace kl::e2e
