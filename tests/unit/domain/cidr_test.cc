// IP addresses and CIDR ranges for allowlists (domain/cidr.h).
#include <catch2/catch.hpp>

#include "domain/cidr.h"

using namespace kl;

TEST_CASE("CIDRs for IPv4 and IPv6", "[domain]") {
  auto net = ParseCidr("10.0.0.0/8");
  REQUIRE(net);
  CHECK(net->Contains(*ParseIp("10.255.1.2")));
  CHECK_FALSE(net->Contains(*ParseIp("11.0.0.1")));
  CHECK(net->Contains(*ParseIp("::ffff:10.1.2.3")));  // IPv4-mapped
  auto v6 = ParseCidr("2001:db8::/32");
  REQUIRE(v6);
  CHECK(v6->Contains(*ParseIp("2001:db8:ffff::1")));
  CHECK_FALSE(v6->Contains(*ParseIp("10.0.0.1")));
  CHECK(ParseCidr("0.0.0.0/0")->Contains(*ParseIp("192.0.2.1")));
  CHECK(ParseCidr("192.0.2.7")->Contains(*ParseIp("192.0.2.7")));
  for (const char* bad : {"10.0.0.0/33", "2001:db8::/129", "banana", "10.0.0/8", "10.0.0.0/", "10.0.0.0/-1"})
    CHECK_FALSE(ParseCidr(bad));
}
