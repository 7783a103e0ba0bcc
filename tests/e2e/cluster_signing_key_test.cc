// One signing key for a cluster (serve --signing-key FILE): heads and exports signed by any node
// verify with the same public key (docs/cluster.md, "One signing key").
#include <sys/wait.h>

#include <catch2/catch.hpp>
#include <cstdio>
#include <fstream>

#include "tests/e2e/kl_server.h"
#include "tests/support/pg_server.h"

using namespace kl::e2e;

namespace {

std::string WriteFile(const std::string& dir, const std::string& name, const std::string& content) {
  std::string path = dir + "/" + name;
  std::ofstream(path, std::ios::binary) << content;
  return path;
}

int Shell(const std::string& cmd) {
  int status = std::system((cmd + " > /dev/null 2>&1").c_str());
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

// Whether `head` (GET /v1/ledger/head) is signed by the key in `pub_pem`, checked with openssl.
bool HeadVerifies(const json& head, const std::string& dir, const std::string& pub_pem) {
  WriteFile(dir, "head.msg", "keyledger-head:v1:" + head["seq"].dump() + ":" + head["hash"].get<std::string>());
  WriteFile(dir, "head.b64", head["signature"].get<std::string>() + "\n");
  if (Shell("openssl base64 -d -A -in " + dir + "/head.b64 -out " + dir + "/head.sig") != 0) return false;
  return Shell("openssl pkeyutl -verify -pubin -inkey " + pub_pem + " -rawin -in " + dir + "/head.msg -sigfile " +
               dir + "/head.sig") == 0;
}

}  // namespace

TEST_CASE("cluster: nodes given one --signing-key sign heads and exports that verify with one public key",
          "[e2e][cluster]") {
  const std::string dir = MakeTempDir("signing");
  const std::string key_file = dir + "/cluster-signing.pem";
  REQUIRE(Shell("openssl genpkey -algorithm ed25519 -out " + key_file) == 0);
  kl::test::PgServer pg;
  const std::string log = pg.uri(pg.CreateDatabase());
  Server a({"--log", log, "--signing-key", key_file});
  Server b({"--log", log, "--signing-key", key_file});
  auto on_a = a.Admin();
  auto on_b = b.Admin();

  auto pub_a = Client(a.Url()).Get("/v1/ledger/public-key").Json();
  auto pub_b = Client(b.Url()).Get("/v1/ledger/public-key").Json();
  CHECK(pub_a["public_key_id"] == pub_b["public_key_id"]);
  CHECK(pub_a["public_key_pem"] == pub_b["public_key_pem"]);
  const std::string pub = WriteFile(dir, "pub.pem", pub_a["public_key_pem"]);
  // The provisioned key is used where it is, never copied into a data directory.
  CHECK_FALSE(fs::exists(a.DataDir() + "/signing.pem"));
  CHECK_FALSE(fs::exists(b.DataDir() + "/signing.pem"));

  CreateOrg(*on_a, "acme");
  REQUIRE(WaitFor([&] { return on_b->Get("/v1/orgs/acme").status == 200; }));
  CreateKey(*on_b, "acme");
  REQUIRE(WaitFor([&] { return on_a->Get("/v1/ledger/head").Json()["seq"] == on_b->Get("/v1/ledger/head").Json()["seq"]; }));
  auto head_a = on_a->Get("/v1/ledger/head").Json();
  auto head_b = on_b->Get("/v1/ledger/head").Json();
  CHECK(head_a["hash"] == head_b["hash"]);
  CHECK(head_a["public_key_id"] == pub_a["public_key_id"]);
  CHECK(head_b["public_key_id"] == pub_a["public_key_id"]);
  CHECK(HeadVerifies(head_a, dir, pub));
  CHECK(HeadVerifies(head_b, dir, pub));

  // An export made on B verifies with the public key A publishes.
  auto made = on_b->Post("/v1/exports", {{"org_id", "acme"}, {"format", "ndjson"}});
  REQUIRE(made.status == 201);
  auto manifest = made.Json();
  auto file = on_b->Get("/v1/exports/" + manifest["id"].get<std::string>() + "/file");
  REQUIRE(file.status == 200);
  std::string path = WriteFile(dir, "acme.ndjson", file.body);
  WriteFile(dir, "acme.ndjson.manifest.json", manifest.dump());
  auto [rc, out] = RunCli("verify-export " + path + " --public-key " + pub);
  INFO(out);
  CHECK(rc == 0);

  // A signing key that cannot be read stops the node before it serves.
  CHECK_THROWS_WITH(Server({"--log", log, "--signing-key", WriteFile(dir, "junk.pem", "not a key")}),
                    Catch::Contains("junk.pem"));
  std::error_code ec;
  fs::remove_all(dir, ec);
}
