// Fuzzes the webhook URL policy (domain/webhook_url.h, docs/webhooks.md), the SSRF guard's first line,
// with properties checked by an oracle that does not use the code under test:
//
// 1. Nothing crashes, whatever the bytes.
// 2. A URL accepted in secure mode starts with https:// (any case), has no byte <= 0x20, no
//    0x7f, no backslash, no '@' before the path and no '#'; and when its host reads as an IP
//    address to inet_aton/inet_pton (legacy IPv4 forms included), it is not loopback, private
//    or link-local.
// 3. Insecure mode only ever widens the policy: accepted in secure mode => accepted in insecure.
// 4. An http:// URL is never accepted in secure mode.
#include <arpa/inet.h>

#include <algorithm>
#include <cctype>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

#include "domain/webhook_url.h"

namespace {

void Fail(const char* what, const std::string& url) {
  std::fprintf(stderr, "webhook_url_fuzz: %s: \"%s\"\n", what, url.c_str());
  std::abort();
}

std::string Lower(std::string s) {
  for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

// The oracle's view of an IPv4 literal host: loopback, RFC 1918, link-local, "this network".
bool OracleLocalV4(const in_addr& a) {
  uint32_t ip = ntohl(a.s_addr);
  return (ip >> 24) == 127 || (ip >> 24) == 10 || (ip >> 24) == 0 || (ip >> 20) == (172u << 4 | 1) ||
         (ip >> 16) == (192u << 8 | 168) || (ip >> 16) == (169u << 8 | 254);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string url(reinterpret_cast<const char*>(data), size);
  bool secure_ok = kl::CheckWebhookUrl(url, false).empty();
  bool insecure_ok = kl::CheckWebhookUrl(url, true).empty();
  auto parsed = kl::ParseWebhookUrl(url);
  if ((secure_ok || insecure_ok) && !parsed) Fail("accepted but does not parse", url);
  if (secure_ok && !insecure_ok) Fail("insecure mode refused what secure mode accepted", url);
  if (!secure_ok) return 0;

  if (Lower(url.substr(0, 8)) != "https://") Fail("accepted in secure mode without https://", url);
  for (unsigned char c : url)
    if (c <= 0x20 || c == 0x7f || c == '\\' || c == '#') Fail("accepted a forbidden character", url);
  std::string rest = url.substr(8);
  std::string authority = rest.substr(0, rest.find_first_of("/?"));
  if (authority.find('@') != std::string::npos) Fail("accepted user info", url);
  if (Lower(parsed->host) == "localhost") Fail("accepted localhost", url);
  // inet_aton also takes the legacy forms resolvers accept ("127.1", "0x7f000001", "2130706433").
  in_addr v4;
  if (inet_aton(parsed->host.c_str(), &v4) == 1 && OracleLocalV4(v4)) Fail("accepted a local IPv4", url);
  in6_addr v6;
  if (inet_pton(AF_INET6, parsed->host.c_str(), &v6) == 1) {
    static const uint8_t kLoopback[16] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1};
    if (std::memcmp(&v6, kLoopback, 16) == 0) Fail("accepted ::1", url);
    if ((v6.s6_addr[0] & 0xfe) == 0xfc) Fail("accepted a unique-local IPv6", url);
    if (v6.s6_addr[0] == 0xfe && (v6.s6_addr[1] & 0xc0) == 0x80) Fail("accepted a link-local IPv6", url);
  }
  return 0;
}
