// Limits and slow clients (docs/operations.md): header/body read timeouts, the idle keep-alive
// timeout, stalled clients not delaying others, and a connection cap with a clean refusal.
#include <catch2/catch.hpp>

#include <memory>

#include "tests/e2e/kl_server.h"
#include "tests/e2e/raw_conn.h"

using namespace kl::e2e;

namespace {
int PortOf(const Server& s) { return std::stoi(s.Url().substr(s.Url().rfind(':') + 1)); }
}  // namespace

TEST_CASE("a request whose headers or body stall is answered 408 and closed", "[e2e][limits]") {
  Server server({"--header-timeout-ms", "600", "--body-timeout-ms", "600"});
  RawConn headers(PortOf(server));
  headers.Send("GET /healthz HTTP/1.1\r\nHost: x\r\n");  // no blank line: the headers never end
  RawConn body(PortOf(server));
  body.Send("POST /v1/validations HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
            "Content-Length: 100\r\n\r\n{\"value\":");  // 9 of 100 bytes
  CHECK(headers.ReadResponse(10000).rfind("HTTP/1.1 408", 0) == 0);
  CHECK(headers.ClosedByPeer(10000));
  CHECK(body.ReadResponse(10000).rfind("HTTP/1.1 408", 0) == 0);
  CHECK(body.ClosedByPeer(10000));
}

TEST_CASE("an idle keep-alive connection is closed after --idle-timeout-ms; a busy one is not", "[e2e][limits]") {
  Server server({"--idle-timeout-ms", "700"});
  RawConn idle(PortOf(server));
  idle.Send("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n");
  CHECK(idle.ReadResponse().rfind("HTTP/1.1 200", 0) == 0);
  CHECK(idle.ClosedByPeer(10000));

  // A connection that keeps sending requests is never idle long enough to be closed.
  RawConn busy(PortOf(server));
  for (int i = 0; i < 8; ++i) {
    busy.Send("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n");
    REQUIRE(busy.ReadResponse().rfind("HTTP/1.1 200", 0) == 0);
    CHECK_FALSE(busy.ClosedByPeer(200));
  }
}

TEST_CASE("64 clients stalled mid-request do not keep others from being answered", "[e2e][limits]") {
  Server server;  // default timeouts (10 s headers): the stalled clients stay for this whole test
  std::vector<std::unique_ptr<RawConn>> stalled;
  for (int i = 0; i < 64; ++i) {
    stalled.push_back(std::make_unique<RawConn>(PortOf(server)));
    stalled.back()->Send(i % 2 ? "GET /healthz HTTP/1.1\r\nHost: x\r\nX-Slow: "
                               : "POST /v1/validations HTTP/1.1\r\nHost: x\r\nContent-Length: 50\r\n\r\n{");
  }
  auto admin = server.Admin();
  CreateOrg(*admin, "acme");
  auto key = CreateKey(*admin, "acme");
  for (int i = 0; i < 20; ++i) CHECK(Validate(*admin, key.value)["code"] == "VALID");
  // None of the stalled ones got an answer meanwhile (their requests are incomplete).
  for (auto& c : stalled) CHECK_FALSE(c->ClosedByPeer(0));
}

TEST_CASE("connections beyond --max-connections are refused with 503 and closed", "[e2e][limits]") {
  Server server({"--max-connections", "8"});
  // Open connections until one is refused. The harness's start-up probe may still be counted
  // for a moment, so the refusal comes at the 8th or the 9th.
  std::vector<std::unique_ptr<RawConn>> held;
  std::string refused;
  for (int i = 0; i < 12 && refused.empty(); ++i) {
    auto c = std::make_unique<RawConn>(PortOf(server));
    c->Send("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n");
    std::string answer = c->ReadResponse();
    if (answer.rfind("HTTP/1.1 200", 0) == 0) {
      held.push_back(std::move(c));
    } else {
      refused = answer;
      CHECK(c->ClosedByPeer());
    }
  }
  INFO(refused);
  CHECK((held.size() == 7 || held.size() == 8));
  CHECK(refused.rfind("HTTP/1.1 503", 0) == 0);
  CHECK(refused.find("\"unavailable\"") != std::string::npos);
  // Room again once one of them goes.
  held.pop_back();
  bool answered = WaitFor([&] {
    RawConn again(PortOf(server));
    again.Send("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n");
    return again.ReadResponse().rfind("HTTP/1.1 200", 0) == 0;
  });
  CHECK(answered);
}
