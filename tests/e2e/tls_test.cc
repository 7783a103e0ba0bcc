// --tls-cert/--tls-key: HTTPS through Pistache's OpenSSL support, with a self-signed certificate
// made for the test; plain HTTP on the same port gets no answer, and the flags come in pairs.
#include <catch2/catch.hpp>

#include "tests/e2e/kl_server.h"

using namespace kl::e2e;

namespace {
struct SelfSigned {
  std::string dir = MakeTempDir("tls");
  std::string cert = dir + "/cert.pem";
  std::string key = dir + "/key.pem";
  SelfSigned() {
    std::string cmd = "openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 2 "
                      "-subj /CN=localhost -addext subjectAltName=IP:127.0.0.1,DNS:localhost -keyout " +
                      key + " -out " + cert + " >/dev/null 2>&1";
    if (std::system(cmd.c_str()) != 0) throw std::runtime_error("openssl could not make a certificate");
  }
  ~SelfSigned() {
    std::error_code ec;
    std::filesystem::remove_all(dir, ec);
  }
};
}  // namespace

TEST_CASE("serve --tls-cert/--tls-key answers HTTPS, and the whole key cycle works over it", "[e2e][tls]") {
  SelfSigned tls;
  Server server({"--tls-cert", tls.cert, "--tls-key", tls.key});
  REQUIRE(server.Url().rfind("https://", 0) == 0);
  auto admin = server.Admin();
  CreateOrg(*admin, "acme");
  auto key = CreateKey(*admin, "acme");
  CHECK(Validate(*admin, key.value)["code"] == "VALID");
  REQUIRE(admin->Delete("/v1/orgs/acme/api-keys/" + key.id).status == 200);
  CHECK(Validate(*admin, key.value)["code"] == "REVOKED");

  // A client that does not trust the certificate is refused by its own TLS check.
  Client untrusting(server.Url(), Server::kAdminToken);
  CHECK_THROWS(untrusting.Get("/healthz"));
  // Plain HTTP on the TLS port is not answered as HTTP.
  std::string plain = "http://127.0.0.1:" + server.Url().substr(server.Url().rfind(':') + 1);
  bool answered = false;
  try {
    answered = Client(plain).Get("/healthz").status == 200;
  } catch (const std::exception&) {
  }
  CHECK_FALSE(answered);
  CHECK(server.Stop() == 0);
}

TEST_CASE("--tls-cert without --tls-key, or a missing file, is refused at start", "[e2e][tls]") {
  SelfSigned tls;
  auto [code1, out1] = RunCli("serve --listen 127.0.0.1:1 --tls-cert " + tls.cert);
  CHECK(code1 != 0);
  auto [code2, out2] = RunCli("serve --listen 127.0.0.1:1 --tls-cert " + tls.cert + " --tls-key /nonexistent.pem");
  CHECK(code2 != 0);
}
