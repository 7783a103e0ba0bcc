// A PostgreSQL 15 primary and a synchronous standby of its own for a test, the setup
// docs/cluster.md recommends: two data directories under one temporary directory, each server on
// its own loopback port, the standby cloned with pg_basebackup -R and streaming, the primary
// waiting for it on every commit (synchronous_standby_names = '*').
//
// A failover is three steps the test calls in turn: KillPrimary (SIGKILL to every server
// process, as the loss of its machine would look), PromoteStandby (pg_ctl promote; the new
// primary accepts writes, with no standby of its own yet), AddStandby (the dead server's
// directory discarded, a fresh standby cloned from the new primary on the same port, then made
// synchronous again). The two ports never change, so one multi-host connection string (uri())
// reaches whichever server is the primary.
//
// Like PgServer (tests/support/pg_server.h), the servers run as the `postgres` user under root.
#pragma once
#include <signal.h>

#include <chrono>
#include <string>
#include <thread>

#include "tests/support/pg_server.h"

namespace kl::test {

class PgReplicaSet {
 public:
  PgReplicaSet() {
    dir_ = MakeServerDir("keyledger-pgrs");
    for (int i = 0; i < 2; ++i) {
      nodes_[i].port = FreeLoopbackPort();
      nodes_[i].data = dir_ + "/n" + std::to_string(i);
    }
    MustRun(AsServerUser(std::string(kPgBin) + "/initdb --no-sync -A trust -U postgres -E UTF8 --locale=C -D " +
                         nodes_[0].data + " > " + dir_ + "/initdb.log 2>&1"),
            "initdb");
    StartServer(0);
    AddStandby();
  }
  ~PgReplicaSet() {
    for (int i = 0; i < 2; ++i)
      if (nodes_[i].running)
        (void)std::system(AsServerUser(PgCtl(i) + " stop -m immediate > /dev/null 2>&1").c_str());
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }
  PgReplicaSet(const PgReplicaSet&) = delete;
  PgReplicaSet& operator=(const PgReplicaSet&) = delete;

  // Both servers in one URI; libpq connects to whichever is the primary now.
  std::string uri(const std::string& db = "postgres") const {
    return "postgresql://postgres@127.0.0.1:" + std::to_string(nodes_[0].port) + ",127.0.0.1:" +
           std::to_string(nodes_[1].port) + "/" + db + "?target_session_attrs=read-write";
  }
  int primary_port() const { return nodes_[primary_].port; }
  int standby_port() const { return nodes_[standby()].port; }

  std::string CreateDatabase() {
    std::string name = "kl_failover_" + std::to_string(++databases_);
    Sql("CREATE DATABASE " + name);
    return name;
  }
  // On the primary: the first column of the first row, as psql prints it ("" on an error).
  std::string Query(const std::string& db, const std::string& sql) const {
    return PsqlValue(primary_port(), db, sql);
  }

  // Runs one statement on the primary's postgres database; throws when it fails.
  void Sql(const std::string& sql) const {
    MustRun(std::string(kPgBin) + "/psql -X -q -v ON_ERROR_STOP=1 -c \"" + sql + "\" \"host=127.0.0.1 port=" +
                std::to_string(primary_port()) + " user=postgres dbname=postgres\" > " + dir_ + "/psql.log 2>&1",
            "psql (see " + dir_ + "/psql.log)");
  }

  // SIGKILL to the primary's postmaster and every process it started, as if its machine died:
  // nothing is flushed, no client is told. Every process is stopped (SIGSTOP) before any is
  // killed, so none runs on after another died. (A backend that sees the postmaster die while it
  // waits for the synchronous standby ends its wait and its commit becomes visible to the
  // backends still running: a postmaster killed alone is a different failure, docs/cluster.md,
  // "Failover"; `postmaster_first` makes it: the postmaster is killed, then its children a
  // moment later.) Returns once they are all gone (the port is free).
  void KillPrimary(bool postmaster_first = false) {
    Node& n = nodes_[primary_];
    std::vector<pid_t> pids = PostmasterAndChildren(n.data);
    ::kill(pids.front(), SIGSTOP);  // no new backend is forked while the children are listed
    pids = PostmasterAndChildren(n.data);
    if (postmaster_first) {
      ::kill(pids.front(), SIGKILL);
      std::this_thread::sleep_for(std::chrono::milliseconds(50));  // the backends outlive it a moment
    } else {
      for (pid_t pid : pids) ::kill(pid, SIGSTOP);
    }
    for (pid_t pid : pids) ::kill(pid, SIGKILL);
    n.running = false;
    for (pid_t pid : pids)
      if (!WaitUntil([&] { return Gone(pid); })) throw std::runtime_error("a killed server process did not exit");
    // Its unix socket and the socket's lock file stay behind, as on a machine that died. A server
    // started later on this port would read the lock's pid, which may still exist (a zombie no
    // one reaped yet), take it for a live server and refuse to start.
    std::error_code ec;
    const std::string socket = dir_ + "/.s.PGSQL." + std::to_string(n.port);
    std::filesystem::remove(socket, ec);
    std::filesystem::remove(socket + ".lock", ec);
  }

  // pg_ctl promote on the standby; returns once it accepts writes. Its synchronous_standby_names
  // was left empty when it was cloned (AddStandby), so its commits do not wait for a standby it
  // does not have.
  void PromoteStandby() {
    int s = standby();
    MustRun(AsServerUser(PgCtl(s) + " promote -w -t 60 > /dev/null 2>&1"), "pg_ctl promote");
    primary_ = s;
    if (!WaitUntil([&] { return Query("postgres", "SELECT pg_is_in_recovery()") == "f"; }))
      throw std::runtime_error("the promoted standby did not leave recovery");
    if (!WaitUntil([&] {
          // Takes a transaction id, so its commit is a write (psql answers after it committed).
          return Query("postgres", "SELECT txid_current() > 0") == "t";
        }))
      throw std::runtime_error("the promoted standby does not accept writes");
  }

  // A new synchronous standby in the slot that holds no running server: its directory is
  // discarded, the primary is cloned into it (pg_basebackup -R: the clone knows its primary),
  // started on that slot's port, and the primary made to wait for it on every commit.
  void AddStandby() {
    int s = standby();
    if (nodes_[s].running) throw std::runtime_error("AddStandby: the standby slot is in use");
    std::error_code ec;
    std::filesystem::remove_all(nodes_[s].data, ec);
    MustRun(AsServerUser(std::string(kPgBin) + "/pg_basebackup -h 127.0.0.1 -p " + std::to_string(primary_port()) +
                         " -U postgres -D " + nodes_[s].data + " -R -X stream -c fast --no-sync > " + dir_ +
                         "/basebackup.log 2>&1"),
            "pg_basebackup (see " + dir_ + "/basebackup.log)");
    // A clone inherits the primary's postgresql.auto.conf, synchronous_standby_names included;
    // once promoted with no standby of its own, every commit would wait forever.
    ClearSynchronousStandbyNames(nodes_[s].data + "/postgresql.auto.conf");
    StartServer(s);
    Sql("ALTER SYSTEM SET synchronous_standby_names = '*'");
    Sql("SELECT pg_reload_conf()");
    if (!WaitUntil([&] {
          return Query("postgres", "SELECT count(*) FROM pg_stat_replication WHERE sync_state = 'sync'") == "1";
        }))
      throw std::runtime_error("the standby did not become synchronous");
  }

 private:
  struct Node {
    int port = 0;
    std::string data;
    bool running = false;
  };

  int standby() const { return 1 - primary_; }
  std::string PgCtl(int i) const { return std::string(kPgBin) + "/pg_ctl -D " + nodes_[i].data; }

  void StartServer(int i) {
    // fsync off: the tests kill processes, never the machine, and the box is shared.
    MustRun(AsServerUser(PgCtl(i) + " start -w -t 60 -l " + dir_ + "/server" + std::to_string(i) + ".log -o \"-p " +
                         std::to_string(nodes_[i].port) + " -k " + dir_ +
                         " -c listen_addresses=127.0.0.1 -c fsync=off -c shared_buffers=16MB\" > /dev/null 2>&1"),
            "pg_ctl start (see " + dir_ + "/server" + std::to_string(i) + ".log)");
    nodes_[i].running = true;
  }

  static void ClearSynchronousStandbyNames(const std::string& auto_conf) {
    std::ifstream in(auto_conf);
    std::string line, kept;
    while (std::getline(in, line))
      if (line.find("synchronous_standby_names") == std::string::npos) kept += line + "\n";
    in.close();
    std::ofstream(auto_conf, std::ios::trunc) << kept;
  }

  // A killed process is gone once it has no /proc entry or is a zombie (its sockets are closed).
  static bool Gone(pid_t pid) {
    std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
    std::string line;
    if (!std::getline(stat, line)) return true;
    auto close = line.rfind(')');
    return close != std::string::npos && close + 2 < line.size() && line[close + 2] == 'Z';
  }

  template <typename Cond>
  static bool WaitUntil(Cond cond, std::chrono::seconds timeout = std::chrono::seconds(60)) {
    auto deadline = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < deadline) {
      if (cond()) return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    return cond();
  }

  std::string dir_;
  Node nodes_[2];
  int primary_ = 0;
  int databases_ = 0;
};

}  // namespace kl::test
