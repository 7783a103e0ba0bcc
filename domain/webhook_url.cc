#include "domain/webhook_url.h"

#include <algorithm>
#include <cctype>

namespace kl {

namespace {

std::string Lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(), [](unsigned char c) { return std::tolower(c); });
  return out;
}

bool IsHostChar(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '.' || c == '_';
}

bool InRange(const IpAddress& ip, const char* cidr) {
  auto c = ParseCidr(cidr);
  return c && c->Contains(ip);
}

}  // namespace

std::optional<WebhookUrl> ParseWebhookUrl(std::string_view url) {
  if (url.empty() || url.size() > 2048) return std::nullopt;
  for (char c : url)
    if (static_cast<unsigned char>(c) <= 0x20 || c == 0x7f || c == '\\') return std::nullopt;
  size_t colon = url.find("://");
  if (colon == std::string_view::npos) return std::nullopt;
  WebhookUrl out;
  out.scheme = Lower(url.substr(0, colon));
  if (out.scheme != "https" && out.scheme != "http") return std::nullopt;
  std::string_view rest = url.substr(colon + 3);
  if (rest.find('#') != std::string_view::npos) return std::nullopt;
  std::string_view authority = rest.substr(0, rest.find_first_of("/?"));
  if (authority.find('@') != std::string_view::npos) return std::nullopt;  // no credentials in URLs
  std::string_view port;
  if (!authority.empty() && authority.front() == '[') {
    size_t close = authority.find(']');
    if (close == std::string_view::npos) return std::nullopt;
    out.host = std::string(authority.substr(1, close - 1));
    if (!ParseIp(out.host) || out.host.find(':') == std::string::npos) return std::nullopt;
    std::string_view after = authority.substr(close + 1);
    if (!after.empty()) {
      if (after.front() != ':') return std::nullopt;
      port = after.substr(1);
      if (port.empty()) return std::nullopt;
    }
  } else {
    size_t p = authority.find(':');
    out.host = Lower(authority.substr(0, p));
    if (p != std::string_view::npos) {
      port = authority.substr(p + 1);
      if (port.empty()) return std::nullopt;
    }
    if (out.host.empty() || out.host.size() > 253) return std::nullopt;
    if (!std::all_of(out.host.begin(), out.host.end(), IsHostChar)) return std::nullopt;
    if (out.host.front() == '.' || out.host.front() == '-' || out.host.find("..") != std::string::npos)
      return std::nullopt;
    // A name whose last label is numeric ("127.1", "2130706433", "0x7f.1") is no DNS name (no
    // top-level domain is numeric) but an IPv4 address in a legacy form that resolvers accept:
    // only the dotted quad is taken, so the address policy below always sees the real address.
    std::string last = out.host.substr(out.host.find_last_of('.') == std::string::npos ? 0 : out.host.find_last_of('.') + 1);
    bool numeric = !last.empty() && (std::all_of(last.begin(), last.end(), [](char c) { return c >= '0' && c <= '9'; }) ||
                                     last.rfind("0x", 0) == 0);
    if (numeric && !ParseIp(out.host)) return std::nullopt;
  }
  if (!port.empty()) {
    if (port.size() > 5 || !std::all_of(port.begin(), port.end(), [](char c) { return c >= '0' && c <= '9'; }))
      return std::nullopt;
    out.port = std::stoi(std::string(port));
    if (out.port < 1 || out.port > 65535) return std::nullopt;
  }
  return out;
}

bool IsPublicAddress(const IpAddress& ip) {
  static const char* const kNonPublic[] = {
      "0.0.0.0/8",     "10.0.0.0/8",      "100.64.0.0/10", "127.0.0.0/8",   "169.254.0.0/16",
      "172.16.0.0/12", "192.0.0.0/24",    "192.0.2.0/24",  "192.168.0.0/16", "198.18.0.0/15",
      "198.51.100.0/24", "203.0.113.0/24", "224.0.0.0/4",  "240.0.0.0/4",
      "::/128",        "::1/128",         "fc00::/7",      "fe80::/10",     "ff00::/8",
      "64:ff9b::/96",  "2001:db8::/32",
  };
  for (const char* range : kNonPublic)
    if (InRange(ip, range)) return false;
  return true;
}

std::string CheckWebhookUrl(std::string_view url, bool allow_insecure) {
  auto u = ParseWebhookUrl(url);
  if (!u) return "must be an absolute https:// URL without credentials or fragment";
  auto ip = ParseIp(u->host);
  bool local = u->host == "localhost" || (ip && !IsPublicAddress(*ip));
  if (u->scheme == "http") {
    if (!allow_insecure) return "must be an https:// URL";
    if (!local) return "http:// is allowed only to a loopback or private address";
    return "";
  }
  if (local && !allow_insecure) return "must not point at a loopback, private or reserved address";
  return "";
}

}  // namespace kl
