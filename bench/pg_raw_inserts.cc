// The durable-insert ceiling of a PostgreSQL server for keyledger's cluster log: N connections
// each inserting rows shaped like keyledger_events (a 300-byte body, two 32-byte hashes), one
// committed transaction per row, for a fixed time. bench/cluster compares a cluster's durable
// creates with it: both go through the same server with the same durability (its own
// synchronous_commit and fsync settings).
//
//   pg_raw_inserts CONNINFO CONNECTIONS SECONDS   -> prints rows/s
#include <libpq-fe.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <thread>
#include <vector>

namespace {

bool Exec(PGconn* c, const char* sql) {
  PGresult* r = PQexec(c, sql);
  bool ok = PQresultStatus(r) == PGRES_COMMAND_OK;
  if (!ok) std::fprintf(stderr, "%s: %s", sql, PQerrorMessage(c));
  PQclear(r);
  return ok;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 4) {
    std::fprintf(stderr, "usage: pg_raw_inserts CONNINFO CONNECTIONS SECONDS\n");
    return 2;
  }
  const std::string conninfo = argv[1];
  const int connections = std::atoi(argv[2]);
  const double seconds = std::atof(argv[3]);
  {
    PGconn* setup = PQconnectdb(conninfo.c_str());
    if (PQstatus(setup) != CONNECTION_OK) {
      std::fprintf(stderr, "connect: %s", PQerrorMessage(setup));
      return 1;
    }
    if (!Exec(setup, "DROP TABLE IF EXISTS raw_events") ||
        !Exec(setup, "CREATE TABLE raw_events (seq bigserial PRIMARY KEY, stream text NOT NULL, "
                     "stream_version bigint NOT NULL, org_id text NOT NULL, recorded_at bigint NOT NULL, "
                     "hash bytea NOT NULL, org_hash bytea NOT NULL, body bytea NOT NULL)"))
      return 1;
    PQfinish(setup);
  }
  std::atomic<bool> stop{false};
  std::atomic<long> rows{0};
  std::atomic<int> failed{0};
  std::vector<std::thread> pool;
  const std::string hash(32, 'h');
  const std::string body(300, 'b');  // about the size of an encoded KeyCreated event
  for (int t = 0; t < connections; ++t)
    pool.emplace_back([&, t] {
      PGconn* c = PQconnectdb(conninfo.c_str());
      if (PQstatus(c) != CONNECTION_OK) {
        ++failed;
        PQfinish(c);
        return;
      }
      const std::string stream = "key:bench-" + std::to_string(t);
      for (long i = 1; !stop; ++i) {
        const std::string version = std::to_string(i);
        const char* values[] = {stream.c_str(), version.c_str(), "bench", version.c_str(), hash.data(), hash.data(),
                                body.data()};
        const int lengths[] = {0, 0, 0, 0, static_cast<int>(hash.size()), static_cast<int>(hash.size()),
                               static_cast<int>(body.size())};
        const int formats[] = {0, 0, 0, 0, 1, 1, 1};
        PGresult* r = PQexecParams(c,
                                   "INSERT INTO raw_events (stream, stream_version, org_id, recorded_at, hash, "
                                   "org_hash, body) VALUES ($1, $2, $3, $4, $5, $6, $7)",
                                   7, nullptr, values, lengths, formats, 0);
        if (PQresultStatus(r) == PGRES_COMMAND_OK) ++rows;
        PQclear(r);
      }
      PQfinish(c);
    });
  auto start = std::chrono::steady_clock::now();
  std::this_thread::sleep_for(std::chrono::duration<double>(seconds));
  stop = true;
  for (auto& th : pool) th.join();
  double took = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  if (failed > 0) std::fprintf(stderr, "%d connections failed\n", failed.load());
  std::printf("%.0f\n", static_cast<double>(rows) / took);
  return failed > 0 ? 1 : 0;
}
