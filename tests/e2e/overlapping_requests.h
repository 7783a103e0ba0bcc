// Sends HTTP requests that are provably in flight at the same time, for tests of what the
// server does with concurrent requests. Threads that each send a request may well run one after
// the other; here every request goes on its own connection without its last byte first (an
// incomplete request cannot be answered), and only once all of them are pending do their last
// bytes go out, one thread each, released together by a latch.
#pragma once
#include <latch>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "tests/e2e/kl_server.h"
#include "tests/e2e/raw_conn.h"

namespace kl::e2e {

struct OverlappingResult {
  // Requests sent, unanswered and not closed at the moment their last bytes were released: all
  // of them, unless the server answered or dropped an incomplete request.
  size_t pending_at_release = 0;
  std::vector<int> statuses;  // in request order; 0 when no answer came
  std::vector<std::string> responses;
};

// Each request is complete raw HTTP/1.1 ("DELETE /x HTTP/1.1\r\nHost: x\r\n\r\n").
inline OverlappingResult SendOverlapping(const Server& server, const std::vector<std::string>& requests) {
  const int port = std::stoi(server.Url().substr(server.Url().rfind(':') + 1));
  std::vector<std::unique_ptr<RawConn>> conns;
  for (const auto& r : requests) {
    conns.push_back(std::make_unique<RawConn>(port));
    conns.back()->Send(r.substr(0, r.size() - 1));
  }
  OverlappingResult out;
  for (auto& c : conns) out.pending_at_release += c->Readable(0) ? 0 : 1;  // no answer, no close
  out.statuses.resize(requests.size());
  out.responses.resize(requests.size());
  std::latch release(static_cast<std::ptrdiff_t>(requests.size()));
  std::vector<std::thread> threads;
  for (size_t i = 0; i < requests.size(); ++i)
    threads.emplace_back([&, i] {
      release.arrive_and_wait();
      conns[i]->Send(requests[i].substr(requests[i].size() - 1));
      out.responses[i] = conns[i]->ReadResponse(30000);
      if (out.responses[i].rfind("HTTP/1.1 ", 0) == 0) out.statuses[i] = std::stoi(out.responses[i].substr(9, 3));
    });
  for (auto& t : threads) t.join();
  return out;
}

// A raw request with the admin token and, when given, a JSON body.
inline std::string AdminRequest(const std::string& method, const std::string& path, const std::string& json_body = "",
                                const std::vector<std::string>& headers = {}) {
  std::string r = method + " " + path + " HTTP/1.1\r\nHost: e2e\r\nAuthorization: Bearer " + Server::kAdminToken + "\r\n";
  for (const auto& h : headers) r += h + "\r\n";
  if (!json_body.empty())
    r += "Content-Type: application/json\r\nContent-Length: " + std::to_string(json_body.size()) + "\r\n";
  return r + "\r\n" + json_body;
}

}  // namespace kl::e2e
