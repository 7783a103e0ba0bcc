// The admin token (app/admin_token.h): from the environment, or generated once into the data
// directory with mode 0600; only its SHA-256 leaves the function.
#include <catch2/catch.hpp>

#include <sys/stat.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "app/admin_token.h"
#include "domain/crypto.h"

namespace fs = std::filesystem;
using kl::app::LoadAdminTokenHash;

namespace {

// A fresh directory, removed at the end of the test; KEYLEDGER_ADMIN_TOKEN unset meanwhile.
struct TempDataDir {
  fs::path path;
  TempDataDir() {
    ::unsetenv("KEYLEDGER_ADMIN_TOKEN");
    char tmpl[] = "/tmp/kl-admin-token-XXXXXX";
    path = ::mkdtemp(tmpl);
  }
  ~TempDataDir() {
    ::unsetenv("KEYLEDGER_ADMIN_TOKEN");
    fs::remove_all(path);
  }
};

std::string ReadFile(const fs::path& p) {
  std::ifstream in(p);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

}  // namespace

TEST_CASE("without the environment variable a token is generated once, 0600, and read back after") {
  TempDataDir dir;
  std::string file;
  auto first = LoadAdminTokenHash(dir.path.string(), &file);
  REQUIRE(first.ok());
  CHECK(file == (dir.path / "admin.token").string());
  struct stat st {};
  REQUIRE(::stat(file.c_str(), &st) == 0);
  CHECK((st.st_mode & 0777) == 0600);
  std::string token = ReadFile(file);
  REQUIRE(token.size() == 44);  // 43 base62 characters and a newline
  token.pop_back();
  CHECK(*first == kl::ToHex(kl::Sha256(token)));  // the hash, never the token itself

  std::string again_file;
  auto again = LoadAdminTokenHash(dir.path.string(), &again_file);
  REQUIRE(again.ok());
  CHECK(*again == *first);
}

TEST_CASE("the environment variable wins over the file, and must be long enough") {
  TempDataDir dir;
  std::string file;
  const std::string token(40, 'x');
  ::setenv("KEYLEDGER_ADMIN_TOKEN", token.c_str(), 1);
  auto from_env = LoadAdminTokenHash(dir.path.string(), &file);
  REQUIRE(from_env.ok());
  CHECK(*from_env == kl::ToHex(kl::Sha256(token)));
  CHECK(file.empty());
  CHECK_FALSE(fs::exists(dir.path / "admin.token"));

  ::setenv("KEYLEDGER_ADMIN_TOKEN", "short", 1);
  auto too_short = LoadAdminTokenHash(dir.path.string(), &file);
  REQUIRE_FALSE(too_short.ok());
  CHECK(too_short.status().code() == kl::Code::kValidation);
}

TEST_CASE("a token file written by the operator is trimmed of its line end; a short one is refused") {
  TempDataDir dir;
  std::string file;
  const std::string token(36, 'k');
  std::ofstream(dir.path / "admin.token") << token << "\r\n";
  auto ok = LoadAdminTokenHash(dir.path.string(), &file);
  REQUIRE(ok.ok());
  CHECK(*ok == kl::ToHex(kl::Sha256(token)));

  std::ofstream(dir.path / "admin.token", std::ios::trunc) << "too-short\n";
  CHECK_FALSE(LoadAdminTokenHash(dir.path.string(), &file).ok());
}

TEST_CASE("a data directory that cannot be written is an error, not a crash") {
  std::string file;
  ::unsetenv("KEYLEDGER_ADMIN_TOKEN");
  auto r = LoadAdminTokenHash("/nonexistent/keyledger-data", &file);
  REQUIRE_FALSE(r.ok());
  CHECK(r.status().code() == kl::Code::kInternal);
}
