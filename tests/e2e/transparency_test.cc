// The transparency log against the real binary: checkpoints, proofs, their offline verification
// by `keyledger verify-proof` and docs/verify_proof.py, and witness cosignatures.
#include <catch2/catch.hpp>

#include <filesystem>

#include "tests/e2e/kl_server.h"

using namespace kl::e2e;

namespace {
std::string Write(const std::string& path, const std::string& content) {
  std::ofstream(path, std::ios::binary) << content;
  return path;
}
std::pair<int, std::string> Sh(const std::string& cmd) {
  FILE* p = ::popen((cmd + " 2>&1").c_str(), "r");
  std::string out;
  char buf[4096];
  size_t n;
  while ((n = fread(buf, 1, sizeof buf, p)) > 0) out.append(buf, n);
  int status = ::pclose(p);
  return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, out};
}
uint64_t SizeOf(const std::string& note) {  // the second line
  size_t a = note.find('\n');
  return std::stoull(note.substr(a + 1, note.find('\n', a + 1) - a - 1));
}
std::string Python(const std::string& args) {
  return std::string("python3 ") + KEYLEDGER_SOURCE_DIR + "/docs/verify_proof.py " + args;
}
std::string FlipFirstHash(json proof) {
  std::string h = proof["hashes"][0];
  h[0] = h[0] == '0' ? '1' : '0';
  proof["hashes"][0] = h;
  return proof.dump();
}
}  // namespace

TEST_CASE("checkpoints and proofs verify offline with verify-proof and verify_proof.py", "[e2e][tlog]") {
  Server server;
  auto admin = server.Admin();
  CreateOrg(*admin, "acme");
  for (int i = 0; i < 3; ++i) CreateKey(*admin, "acme", {{"name", "k" + std::to_string(i)}});
  std::string dir = std::filesystem::temp_directory_path() / ("kl-tlog-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  Write(dir + "/ledger.pub", admin->Get("/v1/ledger/public-key").Json()["public_key_pem"]);

  auto first = admin->Get("/v1/ledger/checkpoint");
  REQUIRE(first.status == 200);
  CHECK(first.Header("content-type").rfind("text/plain", 0) == 0);
  CHECK(first.Header("keyledger-checkpoint-final") == "true");
  uint64_t old_size = SizeOf(first.body);
  REQUIRE(old_size >= 4);
  Write(dir + "/old.cp", first.body);
  for (int i = 0; i < 5; ++i) CreateKey(*admin, "acme", {{"name", "later" + std::to_string(i)}});
  auto second = admin->Get("/v1/ledger/checkpoint");
  REQUIRE(second.status == 200);
  uint64_t size = SizeOf(second.body);
  REQUIRE(size > old_size);
  Write(dir + "/new.cp", second.body);

  auto event = admin->Get("/v1/events?after_seq=1&limit=1").Json()["data"][0];
  REQUIRE(event["seq"] == 2);
  Write(dir + "/event.json", event.dump());
  auto inclusion = admin->Get("/v1/ledger/proofs/inclusion?seq=2&tree_size=" + std::to_string(size));
  REQUIRE(inclusion.status == 200);
  CHECK(inclusion.Json()["leaf_index"] == 1);
  CHECK(inclusion.Json()["tree_size"] == size);
  Write(dir + "/inclusion.json", inclusion.body);
  auto consistency =
      admin->Get("/v1/ledger/proofs/consistency?from=" + std::to_string(old_size) + "&to=" + std::to_string(size));
  REQUIRE(consistency.status == 200);
  Write(dir + "/consistency.json", consistency.body);
  // The defaults: the latest checkpoint's size.
  CHECK(admin->Get("/v1/ledger/proofs/inclusion?seq=2").Json()["tree_size"].get<uint64_t>() >= size);

  std::string cli = "verify-proof --public-key " + dir + "/ledger.pub --checkpoint " + dir + "/new.cp";
  auto [rc1, out1] = RunCli(cli + " --inclusion " + dir + "/inclusion.json --event " + dir + "/event.json");
  CHECK(rc1 == 0);
  INFO(out1);
  auto [rc2, out2] = RunCli(cli + " --consistency " + dir + "/consistency.json --old-checkpoint " + dir + "/old.cp");
  CHECK(rc2 == 0);
  INFO(out2);
  std::string key = " --public-key " + dir + "/ledger.pub ";
  CHECK(Sh(Python("checkpoint" + key + dir + "/new.cp")).first == 0);
  auto py_inclusion = Sh(Python("inclusion" + key + dir + "/new.cp " + dir + "/inclusion.json " + dir + "/event.json"));
  INFO(py_inclusion.second);
  CHECK(py_inclusion.first == 0);
  auto py_consistency =
      Sh(Python("consistency" + key + dir + "/old.cp " + dir + "/new.cp " + dir + "/consistency.json"));
  INFO(py_consistency.second);
  CHECK(py_consistency.first == 0);

  // One changed hex digit in a proof, or a checkpoint whose size was changed: both tools refuse.
  Write(dir + "/bad_inclusion.json", FlipFirstHash(inclusion.Json()));
  Write(dir + "/bad_consistency.json", FlipFirstHash(consistency.Json()));
  std::string forged = second.body;
  forged.replace(forged.find('\n') + 1, std::to_string(size).size(), std::to_string(size + 1));
  Write(dir + "/forged.cp", forged);
  CHECK(RunCli(cli + " --inclusion " + dir + "/bad_inclusion.json --event " + dir + "/event.json").first == 1);
  CHECK(RunCli(cli + " --consistency " + dir + "/bad_consistency.json --old-checkpoint " + dir + "/old.cp").first == 1);
  CHECK(RunCli("verify-proof --public-key " + dir + "/ledger.pub --checkpoint " + dir + "/forged.cp").first == 1);
  CHECK(Sh(Python("inclusion" + key + dir + "/new.cp " + dir + "/bad_inclusion.json " + dir + "/event.json")).first == 1);
  CHECK(Sh(Python("consistency" + key + dir + "/old.cp " + dir + "/new.cp " + dir + "/bad_consistency.json")).first == 1);
  CHECK(Sh(Python("checkpoint" + key + dir + "/forged.cp")).first == 1);

  // Bad input is a 400 naming the field.
  auto field_of = [&](const std::string& path) {
    auto r = admin->Get(path);
    REQUIRE(r.status == 400);
    return r.Json()["error"]["details"]["fields"].begin().key();
  };
  CHECK(field_of("/v1/ledger/proofs/inclusion?seq=abc") == "seq");
  CHECK(field_of("/v1/ledger/proofs/inclusion") == "seq");
  CHECK(field_of("/v1/ledger/proofs/inclusion?seq=1&tree_size=999999") == "tree_size");
  CHECK(field_of("/v1/ledger/proofs/inclusion?seq=99&tree_size=3") == "seq");
  CHECK(field_of("/v1/ledger/proofs/consistency?from=5&to=2") == "from");
  CHECK(field_of("/v1/ledger/checkpoint?tree_size=x") == "tree_size");
  CHECK(admin->Get("/v1/ledger/checkpoint").status == 200);
  CHECK(Client(server.Url()).Get("/v1/ledger/checkpoint").status == 401);

  // After a restart the stored tree gives the same checkpoint for the same size, byte for byte.
  auto at_size = admin->Get("/v1/ledger/checkpoint?tree_size=" + std::to_string(size)).body;
  CHECK(at_size == second.body);
  server.Stop();
  server.Start();
  auto again = server.Admin();
  CHECK(again->Get("/v1/ledger/checkpoint?tree_size=" + std::to_string(size)).body == second.body);
  CHECK(again->Get("/v1/ledger/checkpoint?tree_size=" + std::to_string(old_size)).body == first.body);
  std::filesystem::remove_all(dir);
}

TEST_CASE("with a required witness, only a cosigned checkpoint is served as final", "[e2e][tlog]") {
  std::string dir = std::filesystem::temp_directory_path() / ("kl-witness-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  std::string witness = std::string("python3 ") + KEYLEDGER_SOURCE_DIR + "/tests/e2e/witness.py ";
  auto [vrc, vkey] = Sh(witness + "vkey " + dir + " witness.example/w1");
  REQUIRE(vrc == 0);
  vkey.erase(vkey.find_last_not_of('\n') + 1);
  Server server({"--tlog-witness", vkey, "--tlog-required-witnesses", "1"});
  auto admin = server.Admin();
  CreateOrg(*admin, "acme");
  auto none = admin->Get("/v1/ledger/checkpoint");
  CHECK(none.status == 404);

  auto pending = admin->Get("/v1/ledger/checkpoint?tree_size=1");
  REQUIRE(pending.status == 200);
  CHECK(pending.Header("keyledger-checkpoint-final") == "false");
  Write(dir + "/cp", pending.body);
  auto [crc, cosigned] = Sh(witness + "cosign " + dir + " witness.example/w1 " + dir + "/cp");
  REQUIRE(crc == 0);
  // A cosignature on another checkpoint body is refused.
  std::string other = cosigned;
  other.replace(other.find("\n1\n"), 3, "\n2\n");
  CHECK(admin->Post("/v1/ledger/checkpoint/cosignatures", {{"checkpoint", other}}).status == 400);
  auto kept = admin->Post("/v1/ledger/checkpoint/cosignatures", {{"checkpoint", cosigned}});
  REQUIRE(kept.status == 200);
  CHECK(kept.Json()["final"] == true);
  CHECK(kept.Json()["cosignatures_kept"] == 1);

  CreateKey(*admin, "acme", {{"name", "after"}});  // the log grows past the cosigned size
  auto served = admin->Get("/v1/ledger/checkpoint");
  REQUIRE(served.status == 200);
  CHECK(served.Header("keyledger-checkpoint-final") == "true");
  CHECK(served.body == cosigned);  // the log's note with the witness's line, as the witness sent it
  CHECK(admin->Get("/v1/ledger/proofs/inclusion?seq=1").Json()["tree_size"] == 1);
  std::filesystem::remove_all(dir);
}
