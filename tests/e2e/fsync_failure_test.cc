// Storage faults (docs/reliability.md): fsync fails while the disk has room. The server runs with
// tests/fault/fail_sync.c preloaded; creating the control file makes every fsync, fdatasync
// and sync_file_range fail with EIO. Writes that cannot be made durable answer 503
// `unavailable` and are not acknowledged; reads and validations keep working; once syncs work
// again the service writes by itself, without a restart; nothing acknowledged is lost.
#include <catch2/catch.hpp>

#include <cstdlib>
#include <fstream>
#include <optional>

#include "tests/e2e/kl_server.h"

using namespace kl::e2e;

namespace {

// Sets environment variables for the servers started in its scope (they inherit them at fork)
// and restores the previous values after, so later CLI runs and servers are not preloaded.
class ScopedEnv {
 public:
  void Set(const std::string& name, const std::string& value) {
    const char* old = std::getenv(name.c_str());
    saved_.emplace_back(name, old ? std::optional<std::string>(old) : std::nullopt);
    ::setenv(name.c_str(), value.c_str(), 1);
  }
  ~ScopedEnv() {
    for (auto it = saved_.rbegin(); it != saved_.rend(); ++it) {
      if (it->second) ::setenv(it->first.c_str(), it->second->c_str(), 1);
      else ::unsetenv(it->first.c_str());
    }
  }

 private:
  std::vector<std::pair<std::string, std::optional<std::string>>> saved_;
};

std::string CreateKeyOrEmpty(Client& admin, const std::string& name) {
  auto r = admin.Post("/v1/orgs/acme/api-keys", {{"name", name}});
  return r.status == 201 ? std::string(r.Json()["api_key"]["id"]) : std::string();
}

}  // namespace

TEST_CASE("failing fsync: 503 for writes, reads go on, writes resume by themselves, nothing acknowledged is lost",
          "[e2e][faults][fault]") {
#ifndef KEYLEDGER_FAIL_SYNC_SHIM
  WARN("the fail_sync shim is not built (cmake/fault.cmake): the fsync-failure test did not run");
#else
  std::string work = MakeTempDir("fsync");
  std::string data = work + "/data";
  std::string control = work + "/fail-sync";
  std::vector<std::string> acknowledged;
  std::vector<std::string> values;
  {
    std::optional<Server> server;
    {
      ScopedEnv env;
      env.Set("LD_PRELOAD", KEYLEDGER_FAIL_SYNC_SHIM);
      env.Set("KEYLEDGER_FAULT_SYNC_FILE", control);
      // Under ASan (scripts/sanitize.sh) a preloaded library comes before ASan's runtime, which
      // ASan refuses by default; the shim is not instrumented, so the order does not matter.
      const char* asan = std::getenv("ASAN_OPTIONS");
      env.Set("ASAN_OPTIONS", std::string(asan ? asan : "") + (asan && *asan ? ":" : "") + "verify_asan_link_order=0");
      server.emplace(std::vector<std::string>{}, data);
    }
    auto admin = server->Admin();
    CreateOrg(*admin, "acme");
    for (int i = 0; i < 5; ++i) {
      auto k = CreateKey(*admin, "acme", {{"name", "before-" + std::to_string(i)}});
      acknowledged.push_back(k.id);
      values.push_back(k.value);
    }

    std::ofstream(control).put('1');
    auto refused = admin->Post("/v1/orgs/acme/api-keys", {{"name", "during"}});
    INFO(refused.body);
    REQUIRE(refused.status == 503);
    CHECK(refused.Json()["error"]["code"] == "unavailable");
    // Reads, listings and validations are served from what is committed; writes stay refused.
    CHECK(admin->Get("/v1/orgs/acme/api-keys/" + acknowledged.front()).status == 200);
    CHECK(admin->Get("/v1/orgs/acme/api-keys?limit=5").status == 200);
    for (const auto& v : values) CHECK(Validate(*admin, v)["code"] == "VALID");
    CHECK(admin->Post("/v1/orgs/acme/api-keys", {{"name", "during-again"}}).status == 503);

    fs::remove(control);
    std::string id;
    bool resumed = WaitFor([&] { return !(id = CreateKeyOrEmpty(*admin, "after")).empty(); }, std::chrono::seconds(60));
    INFO(server->Log());
    REQUIRE(resumed);
    acknowledged.push_back(id);
    for (int i = 0; i < 5; ++i) acknowledged.push_back(CreateKey(*admin, "acme", {{"name", "after-" + std::to_string(i)}}).id);
    CHECK(Validate(*admin, values.front())["code"] == "VALID");
    CHECK(server->Stop() == 0);
  }
  // Restarted without the shim: every acknowledged key survived, and the log verifies.
  {
    Server again({}, data);
    auto admin = again.Admin();
    for (const auto& id : acknowledged) {
      INFO(id);
      CHECK(admin->Get("/v1/orgs/acme/api-keys/" + id).status == 200);
    }
    for (const auto& v : values) CHECK(Validate(*admin, v)["code"] == "VALID");
    CHECK(again.Stop() == 0);
  }
  auto [code, out] = RunCli("verify --data-dir " + data);
  INFO(out);
  CHECK(code == 0);
  std::error_code ec;
  fs::remove_all(work, ec);
#endif
}
