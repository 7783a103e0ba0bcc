#include <catch2/catch.hpp>

#include <algorithm>
#include <set>
#include <thread>
#include <vector>

#include "domain/base62.h"
#include "domain/cidr.h"
#include "domain/crypto.h"
#include "domain/ids.h"
#include "domain/key.h"
#include "domain/secret.h"
#include "domain/time.h"

using namespace kl;

TEST_CASE("base62 reads bytes as one big-endian number, left-padded", "[domain]") {
  uint8_t zeros[32] = {};
  CHECK(Base62Encode(zeros, 32, 43) == std::string(43, '0'));
  uint8_t ones[32];
  std::fill(std::begin(ones), std::end(ones), 0xFF);
  // int.from_bytes(b'\xff'*32, 'big') in base62 (0-9A-Za-z), computed independently.
  CHECK(Base62Encode(ones, 32, 43) == "yhjskwdA6OZ1AL1YmHWZWm8LLG7HjnuCA2j5rOw8Xp1");
  CHECK(Base62EncodeU32(0xFFFFFFFF, 6) == "4gfFC3");
  CHECK(Base62EncodeU32(61, 6) == "00000z");
}

namespace {
// The plain byte-at-a-time division the word-at-a-time encoder must agree with.
std::string ReferenceBase62(std::vector<uint8_t> num, size_t width) {
  static const char* kDigits = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
  std::string out;
  while (std::any_of(num.begin(), num.end(), [](uint8_t b) { return b != 0; })) {
    uint32_t rem = 0;
    for (uint8_t& b : num) {
      uint32_t cur = (rem << 8) | b;
      b = static_cast<uint8_t>(cur / 62);
      rem = cur % 62;
    }
    out.insert(out.begin(), kDigits[rem]);
  }
  if (out.size() < width) out.insert(0, width - out.size(), '0');
  return out;
}
}  // namespace

TEST_CASE("base62 agrees with plain long division for every length and many values", "[domain]") {
  uint64_t x = 0x9E3779B97F4A7C15ull;
  auto next = [&] { return x ^= x << 13, x ^= x >> 7, x ^= x << 17, static_cast<uint8_t>(x); };
  for (size_t n = 0; n <= 40; ++n) {
    for (int round = 0; round < 50; ++round) {
      std::vector<uint8_t> bytes(n);
      for (auto& b : bytes) b = next();
      if (round == 1 && n > 0) bytes[0] = 0;                  // leading zero bytes
      if (round == 2) std::fill(bytes.begin(), bytes.end(), 0);  // zero
      if (round == 3) std::fill(bytes.begin(), bytes.end(), 0xFF);
      for (size_t width : {size_t{0}, size_t{6}, size_t{43}, size_t{80}}) {
        INFO("n=" << n << " round=" << round << " width=" << width);
        CHECK(Base62Encode(bytes.data(), n, width) == ReferenceBase62(bytes, width));
      }
    }
  }
}

TEST_CASE("secrets: format, checksum, uniqueness; only the hash is kept", "[domain]") {
  std::set<std::string> seen;
  for (int i = 0; i < 500; ++i) {
    auto s = IssueSecret("sk", "live");
    REQUIRE(s.value.size() == 8 + 49);
    CHECK(s.value.rfind("sk_live_", 0) == 0);
    CHECK(ParseSecret(s.value));
    CHECK(s.hash == Sha256(s.value));
    CHECK(s.obfuscated_value == "sk_live_\u2026" + s.value.substr(s.value.size() - 4));
    CHECK(seen.insert(s.value).second);
  }
  auto s = IssueSecret("acme", "test");
  for (size_t i = 0; i < s.value.size(); ++i) {
    std::string flipped = s.value;
    flipped[i] = flipped[i] == 'a' ? 'b' : 'a';
    INFO(i);
    CHECK_FALSE(ParseSecret(flipped));  // any single change breaks the shape or the checksum
  }
  for (const std::string& bad : std::vector<std::string>{"", "sk_live_", "s_live_" + std::string(49, 'a'), "sk_prod_" + std::string(49, 'a'),
                          "toolongprefix_live_" + std::string(49, 'a'), "sk_live_" + std::string(48, 'a'),
                          "SK_live_" + std::string(49, 'a'), std::string(57, '\0')})
    CHECK_FALSE(ParseSecret(bad));
}

TEST_CASE("ULIDs: 26 Crockford chars, time-ordered, monotonic within a millisecond", "[domain]") {
  std::string prev;
  for (int i = 0; i < 1000; ++i) {
    std::string id = NewId("key", 1'800'000'000'000);
    CHECK(IsId(id, "key"));
    CHECK(id > prev);
    prev = id;
  }
  CHECK(NewUlid(1'800'000'000'001) > NewUlid(1'800'000'000'000));
  CHECK_FALSE(IsId("key_" + std::string(26, 'I'), "key"));
  CHECK_FALSE(IsId("org_01ARZ3NDEKTSV4RRFFQ69G5FAV", "key"));
  CHECK(IsOrgSlug("acme-corp"));
  CHECK_FALSE(IsOrgSlug("-acme"));
  CHECK_FALSE(IsOrgSlug("ab"));
  CHECK_FALSE(IsOrgSlug("Acme"));
}

TEST_CASE("request ids: req_ + a ULID, unique across threads", "[domain]") {
  std::vector<std::vector<std::string>> made(4);
  std::vector<std::thread> threads;
  for (auto& ids : made)
    threads.emplace_back([&ids] {
      for (int i = 0; i < 2000; ++i) ids.push_back(NewRequestId(1'800'000'000'000 + i / 500));
    });
  for (auto& t : threads) t.join();
  std::set<std::string> all;
  for (const auto& ids : made) {
    for (size_t i = 0; i < ids.size(); ++i) {
      CHECK(IsId(ids[i], "req"));
      if (i > 0) CHECK(ids[i] > ids[i - 1]);  // ordered within a thread
      all.insert(ids[i]);
    }
  }
  CHECK(all.size() == 8000);
}

TEST_CASE("RFC 3339: UTC with milliseconds out, any offset in", "[domain]") {
  CHECK(FormatTime(0) == "1970-01-01T00:00:00.000Z");
  CHECK(FormatTime(1795356360123) == "2026-11-22T14:06:00.123Z");
  CHECK(ParseTime("2026-11-22T14:06:00.123Z") == 1795356360123);
  CHECK(ParseTime("2026-11-22T15:06:00.123+01:00") == 1795356360123);
  CHECK(ParseTime("2026-11-22t14:06:00.1239999z") == 1795356360123);
  CHECK(ParseTime("2024-02-29T00:00:00Z"));
  for (const char* bad : {"2023-02-29T00:00:00Z", "2026-13-01T00:00:00Z", "2026-11-22T14:06:00", "2026-11-22 14:06:00Z",
                          "2026-11-22T24:00:00Z", "2026-11-22T14:06:00.Z", "2026-11-22T14:06:00Zjunk", ""})
    CHECK_FALSE(ParseTime(bad));
  for (Millis t : {Millis{0}, Millis{951782400000}, Millis{1795356360123}, Millis{4102444799999}})
    CHECK(ParseTime(FormatTime(t)) == t);
}

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

TEST_CASE("credit refills fall on the next UTC day or month boundary", "[domain]") {
  KeyState k;
  k.id = "key_1";
  k.org_id = "acme";
  k.version = 4;
  k.credits = Credits{0, CreditRefill{50, "daily"}};
  k.credits_refilled_at = *ParseTime("2026-11-22T14:06:00Z");
  CHECK(NextCreditRefill(k) == ParseTime("2026-11-23T00:00:00Z"));
  k.credits->refill->interval = "monthly";
  CHECK(NextCreditRefill(k) == ParseTime("2026-12-01T00:00:00Z"));
  k.credits_refilled_at = *ParseTime("2026-12-31T23:59:59Z");
  CHECK(NextCreditRefill(k) == ParseTime("2027-01-01T00:00:00Z"));
  CommandContext early{*ParseTime("2026-12-31T23:59:59.500Z"), Actor{"system", "sweeper"}, "r"};
  CHECK(DecideRefillCredits(k, early).empty());
  CommandContext due{*ParseTime("2027-01-01T00:00:00Z"), Actor{"system", "sweeper"}, "r"};
  auto ev = DecideRefillCredits(k, due);
  REQUIRE(ev.size() == 1);
  CHECK(std::get<KeyCreditsRefilled>(ev[0].data).remaining == 50);
  CHECK(ev[0].stream_version == 5);
}

TEST_CASE("ParseTime refuses instants FormatTime could not write back as RFC 3339", "[domain]") {
  CHECK(kl::ParseTime("9999-12-31T23:59:59.999Z"));
  CHECK_FALSE(kl::ParseTime("9999-12-31T23:59:59-01:00"));  // lands in year 10000
  CHECK(kl::ParseTime("0000-01-01T00:00:00Z"));
  CHECK_FALSE(kl::ParseTime("0000-01-01T00:00:00+01:00"));  // lands in year -1
  auto t = kl::ParseTime("9999-12-31T23:59:59.999Z");
  CHECK(kl::FormatTime(*t) == "9999-12-31T23:59:59.999Z");
}
