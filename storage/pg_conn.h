// One libpq connection to PostgreSQL, used with deadlines: every wait (connecting, sending,
// reading results) ends by a given time point, so a stopped or unreachable server turns into
// an error value instead of a thread blocked forever. Queries go out as one pipeline (libpq
// pipeline mode): any number of statements, one round trip.
#pragma once
#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "domain/status.h"

struct pg_conn;
struct pg_result;

namespace kl::storage {

using PgDeadline = std::chrono::steady_clock::time_point;

// One query parameter, sent as text (numbers, text) or as binary bytes (bytea).
struct PgParam {
  std::string value;
  bool binary = false;
  static PgParam Text(std::string v) { return PgParam{std::move(v), false}; }
  static PgParam Int(int64_t v) { return PgParam{std::to_string(v), false}; }
  static PgParam Bytes(std::string v) { return PgParam{std::move(v), true}; }
};

struct PgQuery {
  PgQuery(std::string sql_text, std::vector<PgParam> parameters = {}, bool binary = false)
      : sql(std::move(sql_text)), params(std::move(parameters)), binary_result(binary) {}
  static PgQuery Prepared(std::string name, std::vector<PgParam> parameters) {
    PgQuery q(std::move(name), std::move(parameters));
    q.prepared = true;
    return q;
  }

  std::string sql;  // SQL text, or the name of a statement prepared on the connection
  std::vector<PgParam> params;
  bool binary_result = false;  // every column of the result in binary format
  bool prepared = false;       // `sql` names a prepared statement
};

// A query's result (owns the PGresult).
class PgResult {
 public:
  explicit PgResult(pg_result* r);
  ~PgResult();
  PgResult(PgResult&& other) noexcept;
  PgResult& operator=(PgResult&& other) noexcept;
  PgResult(const PgResult&) = delete;
  PgResult& operator=(const PgResult&) = delete;

  int rows() const;
  bool IsNull(int row, int col) const;
  std::string_view Value(int row, int col) const;
  // A text-format integer column; 0 for NULL.
  int64_t Int(int row, int col) const;
  std::string CommandStatus() const;  // "COMMIT", "INSERT 0 1", ...

 private:
  pg_result* r_;
};

// What became of a pipeline.
struct PgRun {
  std::vector<PgResult> results;  // one per query the server ran successfully, in order
  // The first query the server refused: its SQLSTATE ("23505") and message. Later queries of
  // the pipeline were skipped.
  std::string sqlstate;
  std::string error;
  // The connection broke or the deadline passed before every result arrived: what the server
  // did with what it received is unknown. The connection is closed.
  bool lost = false;
  bool ok() const { return !lost && sqlstate.empty() && error.empty(); }
};

class PgConnection {
 public:
  // Connects with a libpq connection string or URI (multi-host strings included). Settings the
  // string leaves out default to: target_session_attrs=read-write, TCP keepalives, and an
  // application_name of "keyledger". `session_sql` runs once connected (SET ..., LISTEN ...),
  // `prepared` are (name, sql) statements prepared on the new connection.
  static Result<std::unique_ptr<PgConnection>> Connect(
      const std::string& conninfo, PgDeadline deadline, const std::vector<std::string>& session_sql = {},
      const std::vector<std::pair<std::string, std::string>>& prepared = {});
  ~PgConnection();
  PgConnection(const PgConnection&) = delete;
  PgConnection& operator=(const PgConnection&) = delete;

  // Sends every query, then one sync, and reads every result until the deadline.
  PgRun Run(const std::vector<PgQuery>& queries, PgDeadline deadline);
  // The same for one query without parameters.
  PgRun Run(const std::string& sql, PgDeadline deadline) { return Run(std::vector<PgQuery>{PgQuery{sql}}, deadline); }

  // False once the connection broke (or a deadline passed during a Run).
  bool usable() const;
  // The socket, for waiting on notifications (LISTEN); -1 when not usable.
  int socket() const;
  // Reads what the server sent without blocking and returns the channels' payloads of the
  // notifications received so far. False when the connection broke.
  bool DrainNotifications(std::vector<std::string>* payloads);

 private:
  explicit PgConnection(pg_conn* conn) : conn_(conn) {}
  bool WaitSocket(bool for_write, PgDeadline deadline);
  void Close();

  pg_conn* conn_;
};

// Quotes strings as the elements of a PostgreSQL array literal ({"a","b"}), for one text[]
// parameter that carries a whole group's values.
std::string PgTextArray(const std::vector<std::string>& values);

}  // namespace kl::storage
