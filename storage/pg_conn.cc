#include "storage/pg_conn.h"

#include <libpq-fe.h>
#include <poll.h>
#include <spdlog/spdlog.h>

#include <cerrno>
#include <cstdlib>

namespace kl::storage {

namespace {
int MillisUntil(PgDeadline deadline) {
  auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
  return left.count() <= 0 ? 0 : static_cast<int>(std::min<int64_t>(left.count(), 1 << 30));
}

std::string ErrorOf(pg_conn* conn) {
  std::string m = conn ? PQerrorMessage(conn) : "out of memory";
  while (!m.empty() && (m.back() == '\n' || m.back() == ' ')) m.pop_back();
  return m;
}

// Waits until the fd is ready; false at the deadline.
bool WaitFd(int fd, bool for_write, PgDeadline deadline) {
  for (;;) {
    pollfd p{fd, static_cast<short>(for_write ? POLLOUT : POLLIN), 0};
    int n = ::poll(&p, 1, MillisUntil(deadline));
    if (n > 0) return true;
    if (n == 0) return false;
    if (errno != EINTR) return false;
  }
}
}  // namespace

// --- PgResult

PgResult::PgResult(pg_result* r) : r_(r) {}
PgResult::~PgResult() {
  if (r_) PQclear(r_);
}
PgResult::PgResult(PgResult&& other) noexcept : r_(std::exchange(other.r_, nullptr)) {}
PgResult& PgResult::operator=(PgResult&& other) noexcept {
  if (this != &other) {
    if (r_) PQclear(r_);
    r_ = std::exchange(other.r_, nullptr);
  }
  return *this;
}
int PgResult::rows() const { return PQntuples(r_); }
bool PgResult::IsNull(int row, int col) const { return PQgetisnull(r_, row, col) != 0; }
std::string_view PgResult::Value(int row, int col) const {
  return std::string_view(PQgetvalue(r_, row, col), static_cast<size_t>(PQgetlength(r_, row, col)));
}
int64_t PgResult::Int(int row, int col) const {
  if (IsNull(row, col)) return 0;
  return std::strtoll(PQgetvalue(r_, row, col), nullptr, 10);
}
std::string PgResult::CommandStatus() const { return PQcmdStatus(r_); }

// --- PgConnection

Result<std::unique_ptr<PgConnection>> PgConnection::Connect(
    const std::string& conninfo, PgDeadline deadline, const std::vector<std::string>& session_sql,
    const std::vector<std::pair<std::string, std::string>>& prepared) {
  // Defaults first, the caller's string last: libpq keeps the last value of a repeated keyword,
  // so whatever the string says wins.
  const char* keys[] = {"target_session_attrs", "application_name", "keepalives", "keepalives_idle",
                        "keepalives_interval",  "keepalives_count", "dbname",     nullptr};
  const char* values[] = {"read-write", "keyledger", "1", "5", "2", "3", conninfo.c_str(), nullptr};
  pg_conn* conn = PQconnectStartParams(keys, values, /*expand_dbname=*/1);
  if (!conn) return Status(Code::kUnavailable, "PostgreSQL: out of memory");
  auto owned = std::unique_ptr<PgConnection>(new PgConnection(conn));
  if (PQstatus(conn) == CONNECTION_BAD) return Status(Code::kUnavailable, "PostgreSQL: " + ErrorOf(conn));
  // PQconnectPoll walks every host of a multi-host string (and checks target_session_attrs).
  for (PostgresPollingStatusType st = PGRES_POLLING_WRITING;;) {
    if (st == PGRES_POLLING_OK) break;
    if (st == PGRES_POLLING_FAILED) return Status(Code::kUnavailable, "PostgreSQL: " + ErrorOf(conn));
    if (!WaitFd(PQsocket(conn), st == PGRES_POLLING_WRITING, deadline))
      return Status(Code::kUnavailable, "PostgreSQL: connecting timed out");
    st = PQconnectPoll(conn);
  }
  // Notices ("relation already exists, skipping") go to the debug log, not straight to stderr.
  PQsetNoticeProcessor(
      conn, [](void*, const char* message) { spdlog::debug("PostgreSQL: {}", message); }, nullptr);
  if (PQsetnonblocking(conn, 1) != 0) return Status(Code::kUnavailable, "PostgreSQL: " + ErrorOf(conn));
  std::vector<PgQuery> setup;
  for (const std::string& sql : session_sql) setup.push_back(PgQuery{sql});
  if (!setup.empty()) {
    PgRun run = owned->Run(setup, deadline);
    if (!run.ok()) return Status(Code::kUnavailable, "PostgreSQL: setting up the session: " + run.error);
  }
  // Prepared one by one: PQsendPrepare has no pipeline-friendly result shape worth the code.
  for (const auto& [name, sql] : prepared) {
    if (!PQsendPrepare(conn, name.c_str(), sql.c_str(), 0, nullptr))
      return Status(Code::kUnavailable, "PostgreSQL: " + ErrorOf(conn));
    std::string error;
    for (;;) {
      while (PQflush(conn) == 1)
        if (!owned->WaitSocket(true, deadline)) return Status(Code::kUnavailable, "PostgreSQL: preparing timed out");
      while (PQisBusy(conn)) {
        if (!owned->WaitSocket(false, deadline) || !PQconsumeInput(conn))
          return Status(Code::kUnavailable, "PostgreSQL: preparing: " + ErrorOf(conn));
      }
      pg_result* r = PQgetResult(conn);
      if (!r) break;
      if (PQresultStatus(r) != PGRES_COMMAND_OK) error = PQresultErrorMessage(r);
      PQclear(r);
    }
    if (!error.empty()) return Status(Code::kInternal, "PostgreSQL: preparing " + name + ": " + error);
  }
  return owned;
}

PgConnection::~PgConnection() { Close(); }

void PgConnection::Close() {
  if (conn_) PQfinish(conn_);
  conn_ = nullptr;
}

bool PgConnection::usable() const { return conn_ && PQstatus(conn_) == CONNECTION_OK; }
int PgConnection::socket() const { return usable() ? PQsocket(conn_) : -1; }

bool PgConnection::WaitSocket(bool for_write, PgDeadline deadline) {
  return WaitFd(PQsocket(conn_), for_write, deadline);
}

PgRun PgConnection::Run(const std::vector<PgQuery>& queries, PgDeadline deadline) {
  PgRun run;
  auto lose = [&](std::string why) {
    run.lost = true;
    run.error = why.empty() ? ErrorOf(conn_) : std::move(why);
    Close();
    return std::move(run);
  };
  if (!usable()) return lose("not connected");
  if (!PQenterPipelineMode(conn_)) return lose("");
  std::vector<const char*> values;
  std::vector<int> lengths, formats;
  for (const PgQuery& q : queries) {
    values.clear();
    lengths.clear();
    formats.clear();
    for (const PgParam& p : q.params) {
      values.push_back(p.value.c_str());
      lengths.push_back(static_cast<int>(p.value.size()));
      formats.push_back(p.binary ? 1 : 0);
    }
    int n = static_cast<int>(q.params.size());
    int sent = q.prepared ? PQsendQueryPrepared(conn_, q.sql.c_str(), n, values.data(), lengths.data(), formats.data(),
                                                q.binary_result ? 1 : 0)
                          : PQsendQueryParams(conn_, q.sql.c_str(), n, nullptr, values.data(), lengths.data(),
                                              formats.data(), q.binary_result ? 1 : 0);
    if (!sent) return lose("");
  }
  if (!PQpipelineSync(conn_)) return lose("");
  // Send it all, reading meanwhile (libpq reads while a write would block, so a server answering
  // early cannot deadlock us).
  for (;;) {
    int f = PQflush(conn_);
    if (f == 0) break;
    if (f < 0) return lose("");
    if (!WaitSocket(true, deadline)) return lose("timed out sending to PostgreSQL");
  }
  // One result per query, each followed by a null, then the sync's own result.
  for (;;) {
    while (PQisBusy(conn_)) {
      if (!WaitSocket(false, deadline)) return lose("timed out waiting for PostgreSQL");
      if (!PQconsumeInput(conn_)) return lose("");
    }
    pg_result* r = PQgetResult(conn_);
    if (!r) {
      if (!usable()) return lose("");
      continue;
    }
    ExecStatusType st = PQresultStatus(r);
    if (st == PGRES_PIPELINE_SYNC) {
      PQclear(r);
      break;
    }
    if (st == PGRES_FATAL_ERROR || st == PGRES_NONFATAL_ERROR || st == PGRES_BAD_RESPONSE) {
      if (!usable()) {
        PQclear(r);
        return lose("");
      }
      if (run.sqlstate.empty() && run.error.empty()) {
        const char* code = PQresultErrorField(r, PG_DIAG_SQLSTATE);
        run.sqlstate = code ? code : "XX000";
        run.error = PQresultErrorMessage(r);
        while (!run.error.empty() && run.error.back() == '\n') run.error.pop_back();
      }
      PQclear(r);
      continue;
    }
    if (st == PGRES_PIPELINE_ABORTED) {  // skipped after an earlier error
      PQclear(r);
      continue;
    }
    run.results.emplace_back(r);
  }
  if (!PQexitPipelineMode(conn_)) return lose("");
  return run;
}

bool PgConnection::DrainNotifications(std::vector<std::string>* payloads) {
  if (!usable()) return false;
  if (!PQconsumeInput(conn_)) {
    Close();
    return false;
  }
  while (PGnotify* n = PQnotifies(conn_)) {
    payloads->emplace_back(n->extra ? n->extra : "");
    PQfreemem(n);
  }
  return true;
}

std::string PgTextArray(const std::vector<std::string>& values) {
  std::string out = "{";
  for (size_t i = 0; i < values.size(); ++i) {
    if (i) out += ',';
    out += '"';
    for (char c : values[i]) {
      if (c == '"' || c == '\\') out += '\\';
      out += c;
    }
    out += '"';
  }
  out += '}';
  return out;
}

}  // namespace kl::storage
