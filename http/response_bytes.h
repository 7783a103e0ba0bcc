// An HTTP/1.1 response as the bytes that go on the wire: status line, our headers, a Date,
// Content-Length and the body, in one buffer so one send() usually carries all of it.
#pragma once
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace kl::http {

struct ResponseParts {
  int status = 200;
  std::string_view content_type;
  std::string_view request_id;
  const std::vector<std::pair<std::string, std::string>>* headers = nullptr;  // extra, may be null
  std::string_view body;
  bool head_only = false;  // a HEAD request: Content-Length of the body, but no body
  bool close = false;      // "Connection: close": the server closes after this response
};

void AppendResponse(const ResponseParts& parts, std::string& out);

// The reason phrase for a status code ("" for one we never send).
const char* ReasonPhrase(int status);

// The interim answer to "Expect: 100-continue".
inline constexpr std::string_view kContinue = "HTTP/1.1 100 Continue\r\n\r\n";

}  // namespace kl::http
