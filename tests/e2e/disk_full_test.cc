// Storage faults (docs/reliability.md): the data directory's disk fills up. Appends that cannot be
// made durable answer 503 `unavailable` and are not acknowledged; reads and validations keep
// working; the service writes again by itself once space returns; nothing acknowledged is lost.
// Needs a small tmpfs, so it runs as root (as CI does) and is skipped, loudly, elsewhere.
#include <catch2/catch.hpp>

#include <sys/mount.h>
#include <sys/statvfs.h>

#include <fstream>

#include "tests/e2e/kl_server.h"

using namespace kl::e2e;

namespace {

class SmallDisk {
 public:
  SmallDisk() : dir_(MakeTempDir("disk")) {
    // 100 MiB: room for RocksDB's 64 MiB recovery reserve once the filler is gone.
    mounted_ = ::mount("tmpfs", dir_.c_str(), "tmpfs", 0, "size=100m") == 0;
  }
  ~SmallDisk() {
    if (mounted_) ::umount2(dir_.c_str(), MNT_DETACH);
    std::error_code ec;
    fs::remove_all(dir_, ec);
  }
  bool mounted() const { return mounted_; }
  std::string path(const std::string& name) const { return dir_ + "/" + name; }
  // Fills the disk up to `leave` free bytes with one file.
  void Fill(uint64_t leave) {
    struct statvfs st {};
    ::statvfs(dir_.c_str(), &st);
    uint64_t free = st.f_bavail * st.f_frsize;
    std::ofstream out(path("filler"), std::ios::binary);
    std::string mib(1 << 20, '\0');
    for (uint64_t written = 0; written + leave + mib.size() <= free; written += mib.size()) out.write(mib.data(), mib.size());
  }
  void Free() { fs::remove(path("filler")); }

 private:
  std::string dir_;
  bool mounted_ = false;
};

}  // namespace

TEST_CASE("a full disk: 503 for writes, reads go on, writes resume by themselves, nothing acknowledged is lost",
          "[e2e][faults]") {
  SmallDisk disk;
  if (!disk.mounted()) {
    WARN("cannot mount a tmpfs here (not root?): the disk-full test did not run");
    return;
  }
  // Nearly full before the service starts, so RocksDB cannot preallocate its WAL into the space.
  disk.Fill(6u << 20);
  std::vector<std::string> acknowledged;
  std::string data = disk.path("data");
  {
    Server server({}, data);
    auto admin = server.Admin();
    CreateOrg(*admin, "acme");
    auto first = CreateKey(*admin, "acme");
    acknowledged.push_back(first.id);

    int refused = 0;
    for (int i = 0; i < 20000 && refused == 0; ++i) {
      auto r = admin->Post("/v1/orgs/acme/api-keys", {{"name", std::string(200, 'k')}});
      if (r.status == 201) {
        acknowledged.push_back(r.Json()["api_key"]["id"]);
      } else {
        INFO(r.body);
        REQUIRE(r.status == 503);
        CHECK(r.Json()["error"]["code"] == "unavailable");
        ++refused;
      }
    }
    REQUIRE(refused == 1);
    // Reads and validations are served meanwhile; writes keep being refused, not queued.
    CHECK(admin->Get("/v1/orgs/acme/api-keys/" + first.id).status == 200);
    CHECK(admin->Get("/v1/orgs/acme/api-keys?limit=5").status == 200);
    CHECK(Validate(*admin, first.value)["code"] == "VALID");
    CHECK(admin->Post("/v1/orgs/acme/api-keys", {{"name", "again"}}).status == 503);

    disk.Free();
    std::string id;
    bool resumed = WaitFor(
        [&] {
          auto r = admin->Post("/v1/orgs/acme/api-keys", {{"name", "after"}});
          if (r.status == 201) id = r.Json()["api_key"]["id"];
          return r.status == 201;
        },
        std::chrono::seconds(90));  // RocksDB's own recovery checks free space every few seconds
    REQUIRE(resumed);
    acknowledged.push_back(id);
    CHECK(server.Stop() == 0);
  }
  // Every acknowledged key survived, and the log verifies.
  Server again({}, data);
  auto admin = again.Admin();
  for (const auto& id : acknowledged) {
    INFO(id);
    CHECK(admin->Get("/v1/orgs/acme/api-keys/" + id).status == 200);
  }
  CHECK(again.Stop() == 0);
  auto [code, out] = RunCli("verify --data-dir " + data);
  INFO(out);
  CHECK(code == 0);
}
