// Webhook URLs and the SSRF policy (docs/webhooks.md, "Where a webhook may point"): what a webhook may point at.
//
// This is the early check that answers 400 on create. It is not the guard that matters: a
// hostname can resolve to anything at delivery time, so the sender checks every address it
// connects to with IsPublicAddress as well (webhooks/sender.cc).
#pragma once
#include <optional>
#include <string>
#include <string_view>

#include "domain/cidr.h"

namespace kl {

struct WebhookUrl {
  std::string scheme;  // "https" | "http", lower case
  std::string host;    // as written (IPv6 without brackets)
  int port = 0;        // 0: the scheme's default
};

// A URL of the form scheme://host[:port][/path][?query], no user info, no fragment, no spaces
// or control characters, at most 2048 bytes. nullopt when it is not one.
std::optional<WebhookUrl> ParseWebhookUrl(std::string_view url);

// False for loopback, private (RFC 1918, fc00::/7), link-local, CGNAT, unspecified, multicast
// and other reserved ranges: addresses a webhook must not reach unless insecure mode allows it.
bool IsPublicAddress(const IpAddress& ip);

// Empty when `url` is acceptable, else why not (for details.fields.url):
// https:// to anything but a literal non-public address or "localhost"; with `allow_insecure`,
// also http:// to a loopback or private address (and https:// to one), for tests and private
// networks.
std::string CheckWebhookUrl(std::string_view url, bool allow_insecure);

}  // namespace kl
