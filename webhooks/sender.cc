#include "webhooks/sender.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <cstring>
#include <memory>

#include <curl/curl.h>

#include "domain/cidr.h"
#include "domain/webhook_url.h"

namespace kl::webhooks {

namespace {

struct Transfer {
  const SendOptions* options;
  bool refused_address = false;
};

// Answers are read and dropped: a receiver's body is not ours to keep.
size_t Discard(char*, size_t size, size_t n, void*) { return size * n; }

int Progress(void* p, curl_off_t, curl_off_t, curl_off_t, curl_off_t) {
  const auto* t = static_cast<Transfer*>(p);
  return t->options->cancel && t->options->cancel->load() ? 1 : 0;
}

std::optional<IpAddress> AddressOf(const curl_sockaddr* a) {
  IpAddress ip;
  if (a->family == AF_INET) {
    const auto* in = reinterpret_cast<const sockaddr_in*>(&a->addr);
    static const uint8_t kMapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
    std::memcpy(ip.bytes.data(), kMapped, 12);
    std::memcpy(&ip.bytes[12], &in->sin_addr, 4);
    ip.v4 = true;
    return ip;
  }
  if (a->family == AF_INET6) {
    const auto* in6 = reinterpret_cast<const sockaddr_in6*>(&a->addr);
    std::memcpy(ip.bytes.data(), &in6->sin6_addr, 16);
    static const uint8_t kMapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
    ip.v4 = std::memcmp(ip.bytes.data(), kMapped, 12) == 0;
    return ip;
  }
  return std::nullopt;
}

// The SSRF guard: runs for every address curl is about to connect to.
curl_socket_t OpenSocket(void* p, curlsocktype purpose, curl_sockaddr* address) {
  auto* t = static_cast<Transfer*>(p);
  if (!t->options->allow_insecure) {
    auto ip = AddressOf(address);
    if (!ip || !IsPublicAddress(*ip)) {
      t->refused_address = true;
      return CURL_SOCKET_BAD;
    }
  }
  return socket(address->family, address->socktype, address->protocol);
}

struct CurlFree {
  void operator()(CURL* c) const { curl_easy_cleanup(c); }
};
struct SlistFree {
  void operator()(curl_slist* l) const { curl_slist_free_all(l); }
};

}  // namespace

void GlobalInit() { curl_global_init(CURL_GLOBAL_DEFAULT); }

SendResult Send(const std::string& url, const std::vector<std::pair<std::string, std::string>>& headers,
                const std::string& body, const SendOptions& options) {
  SendResult result;
  std::unique_ptr<CURL, CurlFree> curl(curl_easy_init());
  if (!curl) {
    result.error = "cannot start an HTTP client";
    return result;
  }
  Transfer transfer{&options};
  std::unique_ptr<curl_slist, SlistFree> list;
  auto add = [&](const std::string& line) { list.reset(curl_slist_append(list.release(), line.c_str())); };
  add("Content-Type: application/json");
  add("User-Agent: keyledger-webhooks/1");
  add("Expect:");  // no 100-continue round trip
  for (const auto& [name, value] : headers) add(name + ": " + value);

  CURL* c = curl.get();
  curl_easy_setopt(c, CURLOPT_URL, url.c_str());
  curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, options.allow_insecure ? "http,https" : "https");
  curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 0L);  // a redirect is an answer, not a new target
  curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, static_cast<long>(options.timeout.count()));
  curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, static_cast<long>(options.timeout.count()));
  curl_easy_setopt(c, CURLOPT_HTTPHEADER, list.get());
  curl_easy_setopt(c, CURLOPT_POST, 1L);
  curl_easy_setopt(c, CURLOPT_POSTFIELDS, body.data());
  curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(body.size()));
  curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, Discard);
  curl_easy_setopt(c, CURLOPT_NOPROGRESS, 0L);
  curl_easy_setopt(c, CURLOPT_XFERINFOFUNCTION, Progress);
  curl_easy_setopt(c, CURLOPT_XFERINFODATA, &transfer);
  curl_easy_setopt(c, CURLOPT_OPENSOCKETFUNCTION, OpenSocket);
  curl_easy_setopt(c, CURLOPT_OPENSOCKETDATA, &transfer);

  CURLcode rc = curl_easy_perform(c);
  curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &result.http_status);
  if (transfer.refused_address) {
    result.error = "refused: the URL resolves to a loopback, private or reserved address";
  } else if (rc != CURLE_OK) {
    result.error = curl_easy_strerror(rc);
  } else if (result.http_status < 200 || result.http_status > 299) {
    result.error = "HTTP " + std::to_string(result.http_status);
  } else {
    result.delivered = true;
  }
  return result;
}

}  // namespace kl::webhooks
