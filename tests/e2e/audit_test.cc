// History, time travel, feed and long-poll, signed head, exports, and the offline CLIs.
#include <catch2/catch.hpp>

#include <thread>

#include "tests/e2e/kl_server.h"

using namespace kl::e2e;

namespace {
std::string WriteTemp(const std::string& dir, const std::string& name, const std::string& content) {
  std::string path = dir + "/" + name;
  std::ofstream(path, std::ios::binary) << content;
  return path;
}
std::string Shell(const std::string& cmd, int* rc) {
  FILE* p = ::popen((cmd + " 2>&1").c_str(), "r");
  std::string out;
  char buf[4096];
  size_t n;
  while ((n = fread(buf, 1, sizeof buf, p)) > 0) out.append(buf, n);
  int status = ::pclose(p);
  *rc = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return out;
}
}  // namespace

namespace {
// Now as the server renders times (UTC, milliseconds): such strings order as the times do.
std::string FormatNow() {
  auto now = std::chrono::system_clock::now();
  auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count();
  std::time_t secs = static_cast<std::time_t>(ms / 1000);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[96];  // room for any int the format could print: no truncation warning
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
                tm.tm_hour, tm.tm_min, tm.tm_sec, static_cast<int>(ms % 1000));
  return buf;
}
}  // namespace

TEST_CASE("history pages oldest first, and as_of / as_of_seq fold the key's own stream", "[e2e][audit]") {
  Server server;
  auto admin = server.Admin();
  CreateOrg(*admin, "acme");
  auto key = CreateKey(*admin, "acme", {{"name", "v1"}});
  std::string path = "/v1/orgs/acme/api-keys/" + key.id;
  auto created = KeyEvents(*admin, "acme", key.id)[0];
  // as_of has millisecond precision: the update must be recorded in a later millisecond than
  // the creation for as_of=<creation time> to tell them apart. Wait for the clock, not a sleep.
  auto created_at = created["recorded_at"].get<std::string>();
  REQUIRE(WaitFor([&] { return FormatNow() > created_at; }));
  REQUIRE(admin->Patch(path, {{"name", "v2"}}).status == 200);
  REQUIRE(admin->Delete(path).status == 200);

  auto page1 = admin->Get(path + "/events?limit=2").Json();
  REQUIRE(page1["data"].size() == 2);
  CHECK(page1["data"][0]["type"] == "KeyCreated");
  auto page2 = admin->Get(path + "/events?after_seq=" + page1["next_after_seq"].dump()).Json();
  REQUIRE(page2["data"].size() == 1);
  CHECK(page2["data"][0]["type"] == "KeyRevoked");

  uint64_t created_seq = created["seq"];
  auto at_create = admin->Get(path + "?as_of_seq=" + std::to_string(created_seq)).Json();
  CHECK(at_create["name"] == "v1");
  CHECK(at_create["status"] == "active");
  CHECK(at_create["version"] == 1);
  auto at_time = admin->Get(path + "?as_of=" + created["recorded_at"].get<std::string>()).Json();
  CHECK(at_time["name"] == "v1");
  CHECK(admin->Get(path + "?as_of_seq=" + std::to_string(created_seq - 1)).status == 404);
  CHECK(admin->Get(path + "?as_of=2000-01-01T00:00:00Z").status == 404);
  auto bad = admin->Get(path + "?as_of=yesterday");
  CHECK(bad.status == 400);
  CHECK(bad.Json()["error"]["details"]["fields"].contains("as_of"));
  CHECK(admin->Get(path + "/events?after_seq=-1").status == 400);
}

TEST_CASE("the feed: gap-free chained events, filters, org scoping and long-poll", "[e2e][audit]") {
  Server server;
  auto admin = server.Admin();
  CreateOrg(*admin, "acme");
  CreateOrg(*admin, "beta");
  auto key = CreateKey(*admin, "acme", {{"permission_set", "full_access"}});
  CreateKey(*admin, "beta");
  auto feed = admin->Get("/v1/events").Json();
  auto data = feed["data"];
  REQUIRE(data.size() == 4);
  CHECK(feed["head_seq"] == 4);
  std::string prev(64, '0');
  for (size_t i = 0; i < data.size(); ++i) {
    CHECK(data[i]["seq"] == i + 1);
    CHECK(data[i]["prev_hash"] == prev);
    prev = data[i]["hash"];
  }
  CHECK(admin->Get("/v1/events?org_id=beta").Json()["data"].size() == 2);
  CHECK(admin->Get("/v1/events?type=KeyCreated").Json()["data"].size() == 2);
  CHECK(admin->Get("/v1/events?type=KeyCreated,OrgCreated&limit=3").Json()["data"].size() == 3);
  CHECK(admin->Get("/v1/events?key_id=" + key.id).Json()["data"].size() == 1);
  for (const char* q : {"limit=0", "limit=1001", "after_seq=x", "wait_ms=30001", "type=Nope"}) {
    auto r = admin->Get(std::string("/v1/events?") + q);
    INFO(q);
    CHECK(r.status == 400);
  }
  // A key sees its own org only.
  Client as_key(server.Url(), key.value);
  auto own = as_key.Get("/v1/events").Json()["data"];
  for (const auto& e : own) CHECK(e["org_id"] == "acme");
  CHECK(as_key.Get("/v1/events?org_id=beta").status == 403);

  // Long-poll: parked until a matching append, then answered at once.
  std::thread writer([&] {
    Client c(server.Url(), Server::kAdminToken);
    WaitFor([&] { return false; }, std::chrono::milliseconds(300));
    c.Post("/v1/orgs/beta/api-keys", {{"name", "late"}});
  });
  auto start = std::chrono::steady_clock::now();
  auto polled = admin->Get("/v1/events?after_seq=4&org_id=beta&wait_ms=20000").Json();
  auto waited = std::chrono::steady_clock::now() - start;
  writer.join();
  REQUIRE(polled["data"].size() == 1);
  CHECK(polled["data"][0]["data"]["name"] == "late");
  CHECK(waited < std::chrono::seconds(15));  // woken by the append, not the deadline
  // At the deadline: an empty page.
  auto empty = admin->Get("/v1/events?after_seq=100&wait_ms=200").Json();
  CHECK(empty["data"].empty());
}

TEST_CASE("the signed head verifies with openssl and the public key id is SHA-256 of the DER SPKI",
          "[e2e][audit]") {
  Server server;
  auto admin = server.Admin();
  CreateOrg(*admin, "acme");
  auto pub = Client(server.Url()).Get("/v1/ledger/public-key").Json();
  auto head = admin->Get("/v1/ledger/head").Json();
  CHECK(head["seq"] == 1);
  CHECK(head["public_key_id"] == pub["public_key_id"]);
  std::string dir = MakeTempDir("head");
  WriteTemp(dir, "pub.pem", pub["public_key_pem"]);
  WriteTemp(dir, "head.msg", "keyledger-head:v1:" + head["seq"].dump() + ":" + head["hash"].get<std::string>());
  WriteTemp(dir, "head.b64", head["signature"].get<std::string>() + "\n");
  int rc = 0;
  Shell("openssl base64 -d -A -in " + dir + "/head.b64 -out " + dir + "/head.sig", &rc);
  REQUIRE(rc == 0);
  auto out = Shell("openssl pkeyutl -verify -pubin -inkey " + dir + "/pub.pem -rawin -in " + dir +
                       "/head.msg -sigfile " + dir + "/head.sig",
                   &rc);
  CHECK(rc == 0);
  auto id = Shell("openssl pkey -pubin -in " + dir + "/pub.pem -outform DER | sha256sum | cut -c1-16", &rc);
  CHECK(id.substr(0, 16) == pub["public_key_id"]);
  // The key is kept 0600 in the data directory.
  auto perms = fs::status(server.DataDir() + "/signing.pem").permissions();
  CHECK((perms & (fs::perms::group_all | fs::perms::others_all)) == fs::perms::none);
  fs::remove_all(dir);
}

TEST_CASE("exports: signed manifests chained per org, files that verify with the CLI and the auditor's script",
          "[e2e][audit]") {
  Server server;
  auto admin = server.Admin();
  CreateOrg(*admin, "acme");
  CreateOrg(*admin, "beta");
  auto key = CreateKey(*admin, "acme", {{"metadata", {{"note", "line\nbreak \"quoted\" €"}, {"big", 1e21}, {"small", 1e-7}, {"ratio", 0.1}, {"\u00f6", 1}, {"\u20ac", 2}}}});
  CreateKey(*admin, "beta");
  REQUIRE(admin->Delete("/v1/orgs/acme/api-keys/" + key.id, {{"reason", "rotated out"}}).status == 200);

  auto first = admin->Post("/v1/exports", {{"org_id", "acme"}, {"format", "ndjson"}});
  REQUIRE(first.status == 201);
  auto m1 = first.Json();
  CHECK(m1["event_count"] == 3);
  CHECK(m1["previous_manifest_sha256"].is_null());
  auto second = admin->Post("/v1/exports", {{"org_id", "acme"}, {"format", "csv"}}).Json();
  CHECK(second["previous_manifest_sha256"].is_string());
  CHECK(second["event_count"] == 4);  // now including the first export's ExportCreated
  CHECK(admin->Get("/v1/exports/" + m1["id"].get<std::string>()).Json() == m1);

  std::string dir = MakeTempDir("export");
  for (const auto& m : {m1, second}) {
    std::string id = m["id"];
    std::string ext = m["format"];
    auto file = admin->Get("/v1/exports/" + id + "/file");
    REQUIRE(file.status == 200);
    std::string path = WriteTemp(dir, id + "." + ext, file.body);
    WriteTemp(dir, id + "." + ext + ".manifest.json", m.dump());
    WriteTemp(dir, "pub.pem", Client(server.Url()).Get("/v1/ledger/public-key").Json()["public_key_pem"]);
    auto [rc, out] = RunCli("verify-export " + path + " --public-key " + dir + "/pub.pem");
    INFO(out);
    CHECK(rc == 0);
    if (ext == "ndjson") {
      int prc = 0;
      auto pout = Shell(std::string("python3 ") + KEYLEDGER_SOURCE_DIR + "/docs/verify_export.py " + path, &prc);
      INFO(pout);
      CHECK(prc == 0);
      // The manifest's signature, checked the way docs/audit.md tells an auditor to.
      std::string manifest_path = path + ".manifest.json";
      Shell(std::string("python3 ") + KEYLEDGER_SOURCE_DIR + "/docs/verify_export.py --manifest-message " +
                manifest_path + " > " + dir + "/m.msg",
            &prc);
      WriteTemp(dir, "m.b64", m["signature"].get<std::string>() + "\n");
      Shell("openssl base64 -d -A -in " + dir + "/m.b64 -out " + dir + "/m.sig", &prc);
      auto vout = Shell("openssl pkeyutl -verify -pubin -inkey " + dir + "/pub.pem -rawin -in " + dir +
                            "/m.msg -sigfile " + dir + "/m.sig",
                        &prc);
      INFO(vout);
      CHECK(prc == 0);
      // Tampering is caught: drop, change or re-order a line.
      std::string body = file.body;
      auto cut = body.find('\n');
      WriteTemp(dir, "t1.ndjson", body.substr(cut + 1));
      WriteTemp(dir, "t1.ndjson.manifest.json", m.dump());
      CHECK(RunCli("verify-export " + dir + "/t1.ndjson").first == 1);
      std::string changed = body;
      changed.replace(changed.find("rotated out"), 11, "rotated in!");
      WriteTemp(dir, "t2.ndjson", changed);
      WriteTemp(dir, "t2.ndjson.manifest.json", m.dump());
      auto [trc, tout] = RunCli("verify-export " + dir + "/t2.ndjson");
      CHECK(trc == 1);
      CHECK(tout.find("SHA-256") != std::string::npos);
      // A forged manifest (recomputed file hash, old signature) fails on the signature.
      json forged = m;
      forged["event_count"] = 2;
      WriteTemp(dir, "t3.ndjson", body);
      WriteTemp(dir, "t3.ndjson.manifest.json", forged.dump());
      CHECK(RunCli("verify-export " + dir + "/t3.ndjson").first == 1);
    }
  }
  // A key of one org cannot read another org's export.
  auto beta_mgmt = CreateKey(*admin, "beta", {{"permission_set", "full_access"}});
  Client as_beta(server.Url(), beta_mgmt.value);
  CHECK(as_beta.Get("/v1/exports/" + m1["id"].get<std::string>()).status == 404);
  CHECK(as_beta.Post("/v1/exports", {{"org_id", "acme"}}).status == 403);
  CHECK(admin->Post("/v1/exports", {{"format", "xml"}}).status == 400);
  auto types = admin->Get("/v1/events?type=ExportCreated&org_id=acme").Json()["data"];
  CHECK(types.size() == 2);
  fs::remove_all(dir);
}

TEST_CASE("replay gives the same digest twice and the same API answers; verify passes, and fails loudly on corruption",
          "[e2e][audit]") {
  std::string data_dir;
  {
    Server server({"--usage-flush-ms", "50"});
    auto admin = server.Admin();
    CreateOrg(*admin, "acme");
    std::vector<CreatedKey> keys;
    for (int i = 0; i < 5; ++i) keys.push_back(CreateKey(*admin, "acme", {{"credits", {{"remaining", 10}}}}));
    REQUIRE(admin->Patch("/v1/orgs/acme/api-keys/" + keys[1].id, {{"name", "renamed"}}).status == 200);
    REQUIRE(admin->Delete("/v1/orgs/acme/api-keys/" + keys[2].id).status == 200);
    Validate(*admin, keys[0].value);
    Validate(*admin, keys[2].value);
    REQUIRE(server.Stop() == 0);
    auto answers = [&] {
      auto c = server.Admin();
      return c->Get("/v1/orgs/acme/api-keys?status=all").body + c->Get("/v1/orgs").body;
    };
    server.Start();
    std::string before = answers();
    REQUIRE(server.Stop() == 0);
    auto [rrc, rout] = RunCli("replay --data-dir " + server.DataDir());
    REQUIRE(rrc == 0);
    server.Start();
    CHECK(answers() == before);  // projections rebuilt from the log answer exactly as before
    REQUIRE(server.Stop() == 0);
    data_dir = MakeTempDir("copy");
    fs::copy(server.DataDir(), data_dir, fs::copy_options::recursive | fs::copy_options::overwrite_existing);
  }
  auto [rc1, out1] = RunCli("replay --data-dir " + data_dir);
  auto [rc2, out2] = RunCli("replay --data-dir " + data_dir);
  REQUIRE(rc1 == 0);
  REQUIRE(rc2 == 0);
  auto digest = [](const std::string& out) { return out.substr(out.find("projection digest")); };
  CHECK(digest(out1) == digest(out2));
  auto [vrc, vout] = RunCli("verify --data-dir " + data_dir);
  INFO(vout);
  CHECK(vrc == 0);
  CHECK(vout.find("OK") != std::string::npos);

  // Flip bytes in every table and log file: verify must not report success.
  for (const auto& entry : fs::directory_iterator(data_dir + "/db")) {
    std::string name = entry.path().filename().string();
    if (name.find(".sst") == std::string::npos && name.find(".log") == std::string::npos) continue;
    std::fstream f(entry.path(), std::ios::in | std::ios::out | std::ios::binary);
    auto size = fs::file_size(entry.path());
    for (uint64_t at = 64; at + 8 < size; at += 97) {
      f.seekp(static_cast<std::streamoff>(at));
      f.write("XXXXXXXX", 8);
    }
  }
  auto [crc, cout_] = RunCli("verify --data-dir " + data_dir);
  INFO(cout_);
  CHECK(crc != 0);
  fs::remove_all(data_dir);
}
