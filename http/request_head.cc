#include "http/request_head.h"

#include <strings.h>

#include <cstdint>

namespace kl::http {

namespace {

Status Malformed(const char* why) { return Status(Code::kMalformedJson, std::string("malformed HTTP request: ") + why); }

// RFC 9110 §5.6.2 tchar: what a method or a field name may contain.
bool IsTchar(unsigned char c) {
  if (c >= 'a' && c <= 'z') return true;
  if (c >= 'A' && c <= 'Z') return true;
  if (c >= '0' && c <= '9') return true;
  switch (c) {
    case '!': case '#': case '$': case '%': case '&': case '\'': case '*': case '+':
    case '-': case '.': case '^': case '_': case '`': case '|': case '~':
      return true;
    default:
      return false;
  }
}

std::string_view TrimOws(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

bool ContainsToken(std::string_view list, std::string_view token) {  // case-insensitive, comma list
  while (!list.empty()) {
    size_t comma = list.find(',');
    std::string_view item = TrimOws(list.substr(0, comma));
    if (item.size() == token.size() && strncasecmp(item.data(), token.data(), token.size()) == 0) return true;
    if (comma == std::string_view::npos) break;
    list.remove_prefix(comma + 1);
  }
  return false;
}

// The next line of `s` from `pos` without its CRLF (or bare LF); advances `pos` past it.
std::string_view NextLine(std::string_view s, size_t& pos) {
  size_t lf = s.find('\n', pos);
  if (lf == std::string_view::npos) lf = s.size();
  size_t end = lf > pos && s[lf - 1] == '\r' ? lf - 1 : lf;
  std::string_view line = s.substr(pos, end - pos);
  pos = lf + 1;
  return line;
}

}  // namespace

size_t FindHeadEnd(std::string_view data) {
  // A blank line: CRLF CRLF, or with bare LFs. Scan LFs only.
  for (size_t lf = data.find('\n'); lf != std::string_view::npos; lf = data.find('\n', lf + 1)) {
    size_t next = lf + 1;
    if (next < data.size() && data[next] == '\n') return next + 1;
    if (next + 1 < data.size() && data[next] == '\r' && data[next + 1] == '\n') return next + 2;
  }
  return std::string_view::npos;
}

Result<RequestHead> ParseRequestHead(std::string_view head) {
  RequestHead h;
  size_t pos = 0;
  std::string_view line = NextLine(head, pos);
  // RFC 9112 §2.2: a server SHOULD ignore at least one empty line before the request line.
  if (line.empty()) line = NextLine(head, pos);

  size_t sp1 = line.find(' ');
  if (sp1 == std::string_view::npos || sp1 == 0) return Malformed("bad request line");
  size_t sp2 = line.find(' ', sp1 + 1);
  if (sp2 == std::string_view::npos || sp2 == sp1 + 1) return Malformed("bad request line");
  std::string_view method = line.substr(0, sp1);
  std::string_view target = line.substr(sp1 + 1, sp2 - sp1 - 1);
  std::string_view version = line.substr(sp2 + 1);
  for (char c : method)
    if (!IsTchar(static_cast<unsigned char>(c))) return Malformed("bad method");
  for (char c : target)
    if (static_cast<unsigned char>(c) <= 0x20 || c == 0x7f) return Malformed("bad request target");
  if (version == "HTTP/1.1") {
    h.minor_version = 1;
  } else if (version == "HTTP/1.0") {
    h.minor_version = 0;
  } else {
    return Malformed("unsupported HTTP version");
  }
  h.method.assign(method);
  size_t q = target.find('?');
  h.path.assign(target.substr(0, q));
  if (q != std::string_view::npos) h.query.assign(target.substr(q + 1));

  bool keep_alive_asked = false, close_asked = false;
  size_t transfer_encoding = SIZE_MAX;  // an index: the vector may still grow
  h.headers.reserve(8);
  while (pos < head.size()) {
    line = NextLine(head, pos);
    if (line.empty()) break;  // the blank line that ends the head
    if (line.front() == ' ' || line.front() == '\t') return Malformed("obsolete line folding");
    size_t colon = line.find(':');
    if (colon == std::string_view::npos || colon == 0) return Malformed("header line without a name");
    std::string name(line.substr(0, colon));
    for (auto& c : name) {
      if (!IsTchar(static_cast<unsigned char>(c))) return Malformed("bad header name");
      if (c >= 'A' && c <= 'Z') c = static_cast<char>(c + ('a' - 'A'));
    }
    std::string_view value = TrimOws(line.substr(colon + 1));
    for (char c : value)
      if ((static_cast<unsigned char>(c) < 0x20 && c != '\t') || c == 0x7f) return Malformed("control character in a header");
    if (name == "content-length") {
      uint64_t v = 0;
      if (value.empty()) return Malformed("Content-Length is not a number");
      for (char c : value) {
        if (c < '0' || c > '9') return Malformed("Content-Length is not a number");
        // A number too big for 64 bits is still a number: it saturates, and the size limit
        // refuses it with 413 rather than calling it malformed.
        uint64_t d = static_cast<uint64_t>(c - '0');
        v = v > (UINT64_MAX - d) / 10 ? UINT64_MAX : v * 10 + d;
      }
      if (h.has_length && v != h.content_length) return Malformed("conflicting Content-Length");
      h.has_length = true;
      h.content_length = v;
    } else if (name == "connection") {
      close_asked |= ContainsToken(value, "close");
      keep_alive_asked |= ContainsToken(value, "keep-alive");
    } else if (name == "expect") {
      h.expect_continue = ContainsToken(value, "100-continue");
    }
    h.headers.emplace_back(std::move(name), std::string(value));
    if (h.headers.back().first == "transfer-encoding") {
      if (transfer_encoding != SIZE_MAX) return Malformed("more than one Transfer-Encoding");
      transfer_encoding = h.headers.size() - 1;
    }
  }
  if (transfer_encoding != SIZE_MAX) {
    // Only "chunked" on its own: anything else is a coding we cannot undo (RFC 9112 §6.1).
    std::string_view te = h.headers[transfer_encoding].second;
    if (te.size() != 7 || strncasecmp(te.data(), "chunked", 7) != 0) return Malformed("unsupported Transfer-Encoding");
    if (h.has_length) return Malformed("both Content-Length and Transfer-Encoding");
    if (h.minor_version == 0) return Malformed("Transfer-Encoding in HTTP/1.0");
    h.chunked = true;
  }
  // HTTP/1.1 keeps the connection unless asked not to; HTTP/1.0 closes unless asked to keep it.
  h.close = close_asked || (h.minor_version == 0 && !keep_alive_asked);
  return h;
}

std::string PercentDecode(std::string_view text) {
  auto hex = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  };
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size(); ++i) {
    int hi, lo;
    if (text[i] == '%' && i + 2 < text.size() && (hi = hex(text[i + 1])) >= 0 && (lo = hex(text[i + 2])) >= 0) {
      out.push_back(static_cast<char>(hi * 16 + lo));
      i += 2;
    } else {
      out.push_back(text[i]);
    }
  }
  return out;
}

std::vector<std::pair<std::string, std::string>> ParseQuery(std::string_view query) {
  std::vector<std::pair<std::string, std::string>> out;
  while (!query.empty()) {
    size_t amp = query.find('&');
    std::string_view part = query.substr(0, amp);
    if (!part.empty()) {
      size_t eq = part.find('=');
      if (eq == std::string_view::npos) {
        out.emplace_back(PercentDecode(part), std::string());
      } else {
        out.emplace_back(PercentDecode(part.substr(0, eq)), PercentDecode(part.substr(eq + 1)));
      }
    }
    if (amp == std::string_view::npos) break;
    query.remove_prefix(amp + 1);
  }
  return out;
}

}  // namespace kl::http
