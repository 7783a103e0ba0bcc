// A webhook URL's policy: https and public addresses (domain/webhook_url.h).
#include <catch2/catch.hpp>

#include "domain/cidr.h"
#include "domain/webhook_url.h"

using namespace kl;

TEST_CASE("webhook URLs: https anywhere public; http and private addresses only in insecure mode") {
  CHECK(CheckWebhookUrl("https://siem.example/hook", false).empty());
  CHECK(CheckWebhookUrl("HTTPS://siem.example:8443/a/b?c=d", false).empty());
  CHECK(CheckWebhookUrl("https://203.0.114.7/hook", false).empty());
  CHECK(CheckWebhookUrl("https://[2606:4700::1111]/hook", false).empty());
  for (const char* bad : {"http://siem.example/hook", "https://127.0.0.1/", "https://localhost/",
                          "https://10.0.0.1/", "https://192.168.1.1/", "https://172.16.0.1/", "https://169.254.169.254/",
                          "https://[::1]/", "https://[fe80::1]/", "https://[fd00::1]/", "https://0.0.0.0/",
                          "https://100.64.0.1/", "https://[::ffff:127.0.0.1]/"}) {
    INFO(bad);
    CHECK_FALSE(CheckWebhookUrl(bad, false).empty());
  }
  CHECK(CheckWebhookUrl("http://127.0.0.1:9000/hook", true).empty());
  CHECK(CheckWebhookUrl("http://10.1.2.3/hook", true).empty());
  CHECK(CheckWebhookUrl("http://localhost:1/", true).empty());
  CHECK_FALSE(CheckWebhookUrl("http://siem.example/hook", true).empty());  // public needs https even so
  CHECK(CheckWebhookUrl("https://127.0.0.1/", true).empty());
  for (const char* malformed : {"", "siem.example/hook", "ftp://siem.example/", "https://", "https:///x",
                                "https://user:pw@siem.example/", "https://siem.example/#frag", "https://a b/",
                                "https://siem.example:0/", "https://siem.example:70000/", "https://siem.example:/",
                                "https://[::1/", "https://[zz]/", "https://-bad.example/", "https://a..b/",
                                "https://siem.example\r\n/x", "https://siem.example\\@evil/", "https://127.1/",
                                "https://2130706433/", "https://0x7f.0.0.1/", "https://0x7f000001/", "https://10.1/"}) {
    INFO(malformed);
    CHECK_FALSE(ParseWebhookUrl(malformed).has_value());
    CHECK_FALSE(CheckWebhookUrl(malformed, true).empty());
  }
  CHECK_FALSE(CheckWebhookUrl("https://" + std::string(2100, 'a') + ".example/", false).empty());
  auto u = ParseWebhookUrl("https://[2001:db8::1]:8443/x");
  REQUIRE(u);
  CHECK(u->host == "2001:db8::1");
  CHECK(u->port == 8443);
}

TEST_CASE("IsPublicAddress: reserved ranges are not public") {
  CHECK(IsPublicAddress(*ParseIp("8.8.8.8")));
  CHECK(IsPublicAddress(*ParseIp("2606:4700::1111")));
  for (const char* ip : {"127.0.0.1", "10.9.8.7", "172.31.255.255", "192.168.0.1", "169.254.169.254", "0.0.0.0",
                         "224.0.0.1", "255.255.255.255", "::1", "::", "fc00::1", "fe80::1", "ff02::1",
                         "::ffff:10.0.0.1", "100.100.100.100"}) {
    INFO(ip);
    CHECK_FALSE(IsPublicAddress(*ParseIp(ip)));
  }
}
