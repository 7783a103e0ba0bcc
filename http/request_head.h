// An HTTP/1.x request head (RFC 9112): the request line and the header fields, read from the
// bytes up to and including the blank line. Ours rather than Pistache's parser, which builds a
// typed object per known header on every request (a tenth of a validation's CPU), reserves a
// declared Content-Length before checking it, and never answers a request line it cannot read.
#pragma once
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "domain/status.h"

namespace kl::http {

struct RequestHead {
  std::string method;  // as sent (methods are case-sensitive)
  std::string path;    // the target before '?', not decoded
  std::string query;   // the target after '?', not decoded
  int minor_version = 1;  // HTTP/1.<minor>
  std::vector<std::pair<std::string, std::string>> headers;  // lower-cased names, trimmed values
  bool has_length = false;
  uint64_t content_length = 0;
  bool chunked = false;          // Transfer-Encoding: chunked (the body's length is in the chunks)
  bool close = false;            // the connection closes after this exchange
  bool expect_continue = false;  // Expect: 100-continue
};

// `head` holds the request line and headers, each line ending in CRLF (a bare LF is accepted,
// as RFC 9112 §2.2 allows), and the final blank line. Refuses with kMalformedJson (400) what
// RFC 9112 says to refuse: a bad request line, a header line without a colon or with space
// before it, obs-fold, a Content-Length that is not one number, both Content-Length and
// Transfer-Encoding (request smuggling), a transfer coding other than chunked.
Result<RequestHead> ParseRequestHead(std::string_view head);

// Where the head ends in `data` (one past its blank line), or npos while it is incomplete.
size_t FindHeadEnd(std::string_view data);

// Splits a query string into percent-decoded (name, value) pairs; a name without '=' has an
// empty value. '+' stays '+' (RFC 3986), so raw RFC 3339 offsets keep working.
std::vector<std::pair<std::string, std::string>> ParseQuery(std::string_view query);

// Query names and values arrive percent-encoded; %XX is decoded, anything else kept as sent.
std::string PercentDecode(std::string_view text);

}  // namespace kl::http
