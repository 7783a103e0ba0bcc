// A PostgreSQL 15 server of its own for a test: initdb into a temporary directory, started with
// pg_ctl on a free loopback port (and a unix socket in that directory), stopped and removed at
// the end. PostgreSQL refuses to run as root, so under root every server command runs as the
// `postgres` user the Debian package creates (runuser), in a directory handed to that user.
// scripts/setup.d/postgresql.sh installs the server.
#pragma once
#include <netinet/in.h>
#include <pwd.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <stdexcept>
#include <string>
#include <vector>

namespace kl::test {

inline constexpr const char* kPgBin = "/usr/lib/postgresql/15/bin";

// A port nothing listens on right now (bound once and released).
inline int FreeLoopbackPort() {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  a.sin_port = 0;
  socklen_t len = sizeof a;
  if (fd < 0 || ::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0 ||
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len) != 0)
    throw std::runtime_error("no free port");
  ::close(fd);
  return ntohs(a.sin_port);
}

// Runs `cmd` through the shell as the user that owns the server's files: the `postgres` user
// when this process is root (PostgreSQL refuses root), else this process's user.
inline std::string AsServerUser(const std::string& cmd) {
  if (::geteuid() != 0) return cmd;
  std::string quoted;
  for (char c : cmd) {
    if (c == '\'')
      quoted += "'\\''";
    else
      quoted += c;
  }
  return "runuser -u postgres -- sh -c '" + quoted + "'";
}
inline void MustRun(const std::string& cmd, const std::string& what) {
  if (std::system(cmd.c_str()) != 0) throw std::runtime_error(what + " failed");
}
// A fresh temporary directory the server user may write into.
inline std::string MakeServerDir(const char* prefix) {
  if (!std::filesystem::exists(std::string(kPgBin) + "/initdb"))
    throw std::runtime_error(std::string("PostgreSQL 15 is not installed (no ") + kPgBin +
                             "/initdb): run scripts/setup.d/postgresql.sh");
  std::string tmpl = (std::filesystem::temp_directory_path() / (std::string(prefix) + "-XXXXXX")).string();
  if (!::mkdtemp(tmpl.data())) throw std::runtime_error("mkdtemp failed");
  if (::geteuid() == 0) {
    passwd* pw = ::getpwnam("postgres");
    if (!pw) throw std::runtime_error("running as root needs the postgres user (the postgresql-15 package)");
    if (::chown(tmpl.c_str(), pw->pw_uid, pw->pw_gid) != 0) throw std::runtime_error("chown of the temp dir failed");
  }
  return tmpl;
}
// The first column of the first row of a query on the server at `port`, as psql prints it ("" on
// an error).
inline std::string PsqlValue(int port, const std::string& db, const std::string& sql) {
  std::string cmd = std::string(kPgBin) + "/psql -X -A -t -c \"" + sql + "\" \"host=127.0.0.1 port=" +
                    std::to_string(port) + " user=postgres dbname=" + db + "\" 2>/dev/null";
  std::string out;
  if (FILE* p = ::popen(cmd.c_str(), "r")) {
    char buf[256];
    while (::fgets(buf, sizeof buf, p)) out += buf;
    ::pclose(p);
  }
  while (!out.empty() && (out.back() == '\n' || out.back() == ' ')) out.pop_back();
  return out;
}
// The postmaster of the data directory (postmaster.pid's first line) and its children, which are
// the backends and the server's own processes.
inline std::vector<pid_t> PostmasterAndChildren(const std::string& data_dir) {
  std::ifstream pidfile(data_dir + "/postmaster.pid");
  pid_t postmaster = 0;
  if (!(pidfile >> postmaster) || postmaster <= 0) throw std::runtime_error("no postmaster.pid");
  std::vector<pid_t> pids{postmaster};
  for (const auto& entry : std::filesystem::directory_iterator("/proc")) {
    std::string name = entry.path().filename().string();
    if (name.find_first_not_of("0123456789") != std::string::npos) continue;
    std::ifstream stat(entry.path() / "stat");
    std::string line;
    if (!std::getline(stat, line)) continue;
    // "pid (comm) state ppid ...": comm may hold spaces, so read after its closing parenthesis.
    auto close = line.rfind(')');
    if (close == std::string::npos) continue;
    char state = 0;
    long ppid = 0;
    if (std::sscanf(line.c_str() + close + 1, " %c %ld", &state, &ppid) == 2 && ppid == postmaster)
      pids.push_back(static_cast<pid_t>(std::stol(name)));
  }
  return pids;
}

class PgServer {
 public:
  PgServer() : port_(FreeLoopbackPort()) {
    dir_ = MakeServerDir("keyledger-pg");
    MustRun(AsServerUser(std::string(kPgBin) + "/initdb --no-sync -A trust -U postgres -E UTF8 --locale=C -D " + data() +
                      " > " + dir_ + "/initdb.log 2>&1"),
         "initdb");
    Start();
  }
  ~PgServer() {
    if (paused_) Resume();  // a stopped server would not hear pg_ctl stop
    (void)std::system(AsServerUser(PgCtl() + " stop -m immediate > /dev/null 2>&1").c_str());
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }
  PgServer(const PgServer&) = delete;
  PgServer& operator=(const PgServer&) = delete;

  int port() const { return port_; }
  // A libpq connection string for `db` over TCP on loopback.
  std::string conninfo(const std::string& db = "postgres") const {
    return "host=127.0.0.1 port=" + std::to_string(port_) + " user=postgres dbname=" + db;
  }
  std::string uri(const std::string& db = "postgres") const {
    return "postgresql://postgres@127.0.0.1:" + std::to_string(port_) + "/" + db;
  }

  void Start() {
    // fsync off: the tests kill processes, never the machine, and the box is shared.
    MustRun(AsServerUser(PgCtl() + " start -w -t 60 -l " + dir_ + "/server.log -o \"-p " + std::to_string(port_) + " -k " +
                      dir_ + " -c listen_addresses=127.0.0.1 -c fsync=off -c shared_buffers=16MB\"" +
                      " > /dev/null 2>&1"),
         "pg_ctl start (see " + dir_ + "/server.log)");
  }
  // Stops the server as a crash would (every backend killed, no checkpoint).
  void Crash() { MustRun(AsServerUser(PgCtl() + " stop -m immediate > /dev/null 2>&1"), "pg_ctl stop"); }

  // Freezes the server as a partition would look to its clients: SIGSTOP to the postmaster and
  // every backend, so connections stay open and nothing answers. Resume undoes it.
  void Pause() {
    Signal(SIGSTOP);
    paused_ = true;
  }
  void Resume() {
    Signal(SIGCONT);
    paused_ = false;
  }

  // A new, empty database; its name is returned.
  std::string CreateDatabase() {
    static std::atomic<int> n{0};
    std::string name = "kl_test_" + std::to_string(++n);
    Sql("postgres", "CREATE DATABASE " + name);
    return name;
  }
  // The first column of the first row of a query, as psql prints it ("" on an error).
  std::string Query(const std::string& db, const std::string& sql) { return PsqlValue(port_, db, sql); }
  // Reloads the configuration and waits until new sessions see `setting` = `value` (existing
  // sessions were signalled before that).
  void ReloadUntil(const std::string& setting, const std::string& value) {
    Sql("postgres", "SELECT pg_reload_conf()");
    for (int i = 0; i < 1000 && Query("postgres", "SHOW " + setting) != value; ++i) ::usleep(10000);
    if (Query("postgres", "SHOW " + setting) != value) throw std::runtime_error("the reload did not take effect");
  }
  // Runs SQL with psql (ON_ERROR_STOP): throws when it fails.
  void Sql(const std::string& db, const std::string& sql) {
    std::string file = dir_ + "/query.sql";
    std::ofstream(file) << sql << ";\n";
    MustRun(std::string(kPgBin) + "/psql -X -q -v ON_ERROR_STOP=1 \"" + conninfo(db) + "\" -f " + file + " > " + dir_ +
             "/psql.log 2>&1",
         "psql (see " + dir_ + "/psql.log)");
  }

 private:
  std::string data() const { return dir_ + "/data"; }
  std::string PgCtl() const { return std::string(kPgBin) + "/pg_ctl -D " + data(); }
  void Signal(int sig) {
    for (pid_t pid : PostmasterAndChildren(data()))
      if (::kill(pid, sig) != 0 && errno != ESRCH)
        throw std::runtime_error(std::string("kill: ") + std::strerror(errno));
  }

  int port_;
  std::string dir_;
  bool paused_ = false;
};

}  // namespace kl::test
