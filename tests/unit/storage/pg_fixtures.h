// Shared pieces of the PostgreSQL log's tests: one server for the tests that do not stop it
// (each test on a database of its own), events, and bounded waits for appends.
#pragma once
#include <catch2/catch.hpp>
#include <chrono>
#include <future>
#include <memory>

#include "domain/command.h"
#include "events/chain.h"
#include "events/codec.h"
#include "storage/pg_conn.h"
#include "storage/pg_log.h"
#include "tests/support/pg_server.h"

namespace kl::test {

// Started on first use, stopped when the test binary exits.
inline PgServer& SharedPg() {
  static PgServer server;
  return server;
}

inline Event OrgEvent(const std::string& org, uint64_t version) {
  CommandContext ctx{1700000000000, Actor{"admin", "admin"}, "req-1"};
  if (version == 1) return NewEvent(ctx, org, std::nullopt, 1, OrgCreated{"Org " + org, "active"});
  return NewEvent(ctx, org, std::nullopt, version, OrgUpdated{std::string("v") + std::to_string(version), {}});
}

inline Event KeyEvent(const std::string& org, const std::string& key, uint64_t version) {
  CommandContext ctx{1700000000000, Actor{"user", "u1"}, "req-2"};
  if (version % 2) return NewEvent(ctx, org, key, version, KeyDisabled{"because " + std::to_string(version)});
  return NewEvent(ctx, org, key, version, KeyEnabled{std::nullopt});
}

// Short timeouts, so outages are noticed (and tests end) quickly.
inline storage::PgLogOptions FastOptions(const std::string& conninfo) {
  storage::PgLogOptions o;
  o.conninfo = conninfo;
  o.op_timeout = std::chrono::milliseconds(2000);
  o.connect_timeout = std::chrono::milliseconds(1000);
  o.reconnect_interval = std::chrono::milliseconds(50);
  o.poll_interval = std::chrono::milliseconds(100);
  o.read_timeout = std::chrono::milliseconds(5000);
  return o;
}

inline std::unique_ptr<storage::PgLog> OpenPgLog(const std::string& conninfo) {
  auto log = storage::PgLog::Open(FastOptions(conninfo));
  INFO(log.status().message());
  REQUIRE(log.ok());
  return std::move(*log);
}

inline std::unique_ptr<storage::PgConnection> RawConnection(const std::string& conninfo) {
  auto conn = storage::PgConnection::Connect(conninfo, std::chrono::steady_clock::now() + std::chrono::seconds(10));
  INFO(conn.status().message());
  REQUIRE(conn.ok());
  return std::move(*conn);
}

inline storage::PgRun MustRun(storage::PgConnection& conn, const std::vector<storage::PgQuery>& q) {
  storage::PgRun run = conn.Run(q, std::chrono::steady_clock::now() + std::chrono::seconds(30));
  INFO(run.error);
  REQUIRE(run.ok());
  return run;
}

// Appends and waits for the answer, failing the test (instead of hanging it) when none comes.
inline storage::AppendResult AppendWithin(storage::EventLog& log, std::vector<Event> events,
                                          std::chrono::seconds limit = std::chrono::seconds(60)) {
  auto done = std::make_shared<std::promise<storage::AppendResult>>();
  auto answer = done->get_future();
  log.Append(std::move(events), true, [done](storage::AppendResult r) { done->set_value(std::move(r)); });
  if (answer.wait_for(limit) != std::future_status::ready) FAIL("an append was never answered");
  return answer.get();
}

}  // namespace kl::test
