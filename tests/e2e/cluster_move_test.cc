// Moving to a cluster and joining one (docs/cluster.md, "Moving from embedded to cluster"):
// `keyledger cluster import` copies an embedded ledger into an empty cluster log with its chains
// intact; `verify`, `export` and `verify-export` work against that log; a node started on an
// empty data directory reports ready only once its projections hold the log's head.
#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <fstream>
#include <regex>

#include "tests/e2e/kl_server.h"
#include "tests/support/pg_server.h"

using namespace kl::e2e;

namespace {

// The head hash a `verify` run reports ("... head <64 hex> ..."), or "".
std::string ReportedHead(const std::string& out) {
  std::smatch m;
  return std::regex_search(out, m, std::regex("head ([0-9a-f]{64})")) ? m[1].str() : "";
}

std::string WriteFile(const std::string& path, const std::string& content) {
  std::ofstream(path, std::ios::binary) << content;
  return path;
}

// Every key of an org, through the listing's pages.
size_t ListedKeys(Client& c, const std::string& org) {
  size_t n = 0;
  std::string cursor;
  do {
    auto page = c.Get("/v1/orgs/" + org + "/api-keys?status=all&limit=100" + (cursor.empty() ? "" : "&cursor=" + cursor)).Json();
    n += page["data"].size();
    cursor = page["next_cursor"].is_null() ? "" : page["next_cursor"].get<std::string>();
  } while (!cursor.empty());
  return n;
}

}  // namespace

TEST_CASE("cluster import: an embedded ledger moves into an empty cluster log with its chains intact",
          "[e2e][cluster]") {
  const std::string dir = MakeTempDir("embedded");
  const std::string work = MakeTempDir("move");
  std::vector<CreatedKey> keys;
  json public_key;
  kl::test::PgServer pg;
  const std::string db = pg.CreateDatabase();
  const std::string log = "'" + pg.uri(db) + "'";
  {
    Server embedded({}, dir);
    auto admin = embedded.Admin();
    CreateOrg(*admin, "acme");
    CreateOrg(*admin, "globex");
    for (int i = 0; i < 4; ++i) keys.push_back(CreateKey(*admin, i % 2 ? "globex" : "acme"));
    REQUIRE(admin->Delete("/v1/orgs/acme/api-keys/" + keys[0].id).status == 200);
    public_key = Client(embedded.Url()).Get("/v1/ledger/public-key").Json();
    // The embedded server still holds its directory: nothing is imported (the import below,
    // which needs an empty log, shows it).
    auto [busy_rc, busy] = RunCli("cluster import --from " + dir + " --log " + log);
    INFO(busy);
    CHECK(busy_rc == 1);
    CHECK(busy.find("stop the embedded server first") != std::string::npos);
    REQUIRE(embedded.Stop() == 0);
  }
  auto [embedded_rc, embedded_verify] = RunCli("verify --data-dir " + dir);
  INFO(embedded_verify);
  REQUIRE(embedded_rc == 0);
  const std::string head = ReportedHead(embedded_verify);
  REQUIRE(head.size() == 64);

  auto [import_rc, imported] = RunCli("cluster import --from " + dir + " --log " + log);
  INFO(imported);
  REQUIRE(import_rc == 0);
  CHECK(imported.find("head " + head) != std::string::npos);
  // It names the key file to provision, never what it holds.
  CHECK(imported.find("--signing-key " + dir + "/signing.pem") != std::string::npos);
  CHECK(imported.find("PRIVATE KEY") == std::string::npos);

  auto [verify_rc, cluster_verify] = RunCli("verify --log " + log);
  INFO(cluster_verify);
  REQUIRE(verify_rc == 0);
  CHECK(ReportedHead(cluster_verify) == head);

  // A second import into the now non-empty log is refused, and changes nothing.
  auto [again_rc, again] = RunCli("cluster import --from " + dir + " --log " + log);
  INFO(again);
  CHECK(again_rc == 1);
  CHECK(again.find("not empty") != std::string::npos);
  CHECK(ReportedHead(RunCli("verify --log " + log).second) == head);

  {
    // A node on the imported log, with the embedded ledger's key: the old keys, the same head, the
    // same public key.
    Server node({"--log", pg.uri(db), "--signing-key", dir + "/signing.pem"});
    auto admin = node.Admin();
    CHECK(Validate(*admin, keys[0].value)["code"] == "REVOKED");
    for (size_t i = 1; i < keys.size(); ++i) CHECK(Validate(*admin, keys[i].value)["code"] == "VALID");
    CHECK(admin->Get("/v1/ledger/head").Json()["hash"] == head);
    CHECK(Client(node.Url()).Get("/v1/ledger/public-key").Json()["public_key_id"] == public_key["public_key_id"]);
    CreateKey(*admin, "acme");  // the chains go on from the imported head
    REQUIRE(node.Stop() == 0);
  }
  auto [after_rc, after] = RunCli("verify --log " + log);
  INFO(after);
  CHECK(after_rc == 0);

  // An export from the cluster log, verified against the embedded ledger's public key and the log.
  const std::string pub = WriteFile(work + "/pub.pem", public_key["public_key_pem"]);
  const std::string file = work + "/acme.ndjson";
  CHECK(RunCli("export --log " + log + " --org acme --out " + file).first == 2);  // no key: refused
  auto [export_rc, exported] =
      RunCli("export --log " + log + " --signing-key " + dir + "/signing.pem --org acme --out " + file);
  INFO(exported);
  REQUIRE(export_rc == 0);
  auto [ve_rc, ve] = RunCli("verify-export " + file + " --public-key " + pub + " --log " + log);
  INFO(ve);
  CHECK(ve_rc == 0);
  CHECK(ve.find("is in the cluster log") != std::string::npos);
  // The same file against another log (the embedded ledger's moved again, without the new key) fails.
  const std::string other = pg.CreateDatabase();
  REQUIRE(RunCli("cluster import --from " + dir + " --log '" + pg.uri(other) + "'").first == 0);
  CHECK(RunCli("verify-export " + file + " --log '" + pg.uri(other) + "'").first == 1);

  std::error_code ec;
  fs::remove_all(dir, ec);
  fs::remove_all(work, ec);
}

TEST_CASE("cluster: a node joining a log of a few hundred events reports ready only once it holds the log's head",
          "[e2e][cluster]") {
  kl::test::PgServer pg;
  const std::string log = pg.uri(pg.CreateDatabase());
  std::vector<CreatedKey> keys;
  {
    Server writer({"--log", log});
    auto admin = writer.Admin();
    CreateOrg(*admin, "acme");
    for (int i = 0; i < 300; ++i) keys.push_back(CreateKey(*admin, "acme"));
    // The log's last event: only a node that folded everything reads this key as revoked.
    REQUIRE(admin->Delete("/v1/orgs/acme/api-keys/" + keys[0].id).status == 200);
    REQUIRE(writer.Stop() == 0);
  }
  // The joining node, started by hand so /readyz is asked from the moment it starts.
  const std::string data = MakeTempDir("join");
  const int port = FreePort();
  const std::string binary = Binary();
  pid_t pid = ::fork();
  if (pid == 0) {
    int fd = ::open((data + ".log").c_str(), O_WRONLY | O_CREAT | O_APPEND, 0600);
    ::dup2(fd, 1);
    ::dup2(fd, 2);
    ::setenv("KEYLEDGER_ADMIN_TOKEN", Server::kAdminToken, 1);
    std::vector<std::string> args = {binary, "serve", "--data-dir", data, "--listen",
                                     "127.0.0.1:" + std::to_string(port), "--threads", "2", "--log", log};
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    ::execv(argv[0], argv.data());
    ::_exit(127);
  }
  Client admin("http://127.0.0.1:" + std::to_string(port), Server::kAdminToken);
  bool ready = WaitFor(
      [&] {
        try {
          return admin.Get("/readyz").status == 200;
        } catch (...) {
          return false;  // not listening yet
        }
      },
      std::chrono::seconds(60));
  // What the node answers the moment it first says ready.
  std::string revoked, last, error;
  size_t listed = 0;
  try {  // the node is stopped below whatever happens here
    if (ready) {
      revoked = Validate(admin, keys[0].value)["code"];
      last = Validate(admin, keys.back().value)["code"];
      listed = ListedKeys(admin, "acme");
    }
  } catch (const std::exception& e) {
    error = e.what();
  }
  ::kill(pid, SIGTERM);
  int status = 0;
  ::waitpid(pid, &status, 0);
  INFO(ReadFile(data + ".log"));
  REQUIRE(ready);
  CHECK(error.empty());
  CHECK(revoked == "REVOKED");
  CHECK(last == "VALID");
  CHECK(listed == keys.size());
  CHECK(WIFEXITED(status));
  std::error_code ec;
  fs::remove_all(data, ec);
  fs::remove(data + ".log", ec);
}
