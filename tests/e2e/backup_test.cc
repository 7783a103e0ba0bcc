// Online backups (docs/operations.md, "Backup and restore"): POST /v1/admin/backups while the service runs gives a
// directory a new service starts from with every event acknowledged before it, verifiable, and
// signed by the same key.
#include <catch2/catch.hpp>

#include <filesystem>
#include <sys/stat.h>

#include "kl_server.h"

using namespace kl::e2e;
namespace fs = std::filesystem;

TEST_CASE("an online backup restores every acknowledged key and verifies", "[e2e][backup]") {
  Server server;
  auto admin = server.Admin();
  CreateOrg(*admin, "acme");
  auto kept = CreateKey(*admin, "acme");
  auto revoked = CreateKey(*admin, "acme");
  REQUIRE(admin->Delete("/v1/orgs/acme/api-keys/" + revoked.id).status == 200);
  auto signer = admin->Get("/v1/ledger/public-key").Json();

  // Only the admin may take one.
  auto full = CreateKey(*admin, "acme", {{"permission_set", "full_access"}});
  Client as_key(server.Url(), full.value);
  CHECK(as_key.Post("/v1/admin/backups", json::object()).status == 403);
  Client anonymous(server.Url());
  CHECK(anonymous.Post("/v1/admin/backups", json::object()).status == 401);

  auto made = admin->Post("/v1/admin/backups", json::object());
  REQUIRE(made.status == 201);
  auto b = made.Json();
  std::string path = b["path"];
  CHECK(b["id"].get<std::string>().rfind("bkp_", 0) == 0);
  CHECK(b["contains_through_seq"].get<uint64_t>() >= 5);  // org, three keys, a revocation
  REQUIRE(fs::exists(fs::path(path) / "db"));
  REQUIRE(fs::exists(fs::path(path) / "signing.pem"));
  CHECK_FALSE(fs::exists(fs::path(path) / "admin.token"));
  struct stat st {};
  REQUIRE(::stat(path.c_str(), &st) == 0);
  CHECK((st.st_mode & 077) == 0);  // it holds the signing key: owner only

  // Made after the backup: not in it.
  auto later = CreateKey(*admin, "acme");

  // A copy of the backup, started as a data directory of its own, while the original runs on.
  std::string restored_dir = MakeTempDir("restored");
  fs::copy(path, restored_dir, fs::copy_options::recursive | fs::copy_options::overwrite_existing);
  {
    Server restored({}, restored_dir);
    auto radmin = restored.Admin();
    CHECK(Validate(*radmin, kept.value)["code"] == "VALID");
    CHECK(Validate(*radmin, revoked.value)["code"] == "REVOKED");
    CHECK(Validate(*radmin, later.value)["code"] == "NOT_FOUND");
    CHECK(radmin->Get("/v1/ledger/public-key").Json() == signer);
    restored.Stop();
  }
  auto [code, out] = RunCli("verify --data-dir " + restored_dir);
  INFO(out);
  CHECK(code == 0);
  fs::remove_all(restored_dir);
}
