#include "http/response_bytes.h"

#include <charconv>
#include <ctime>

namespace kl::http {

namespace {

// RFC 9110 §6.6.1: an origin server with a clock sends Date. Formatted once per second per thread.
std::string_view DateNow() {
  thread_local time_t cached_second = -1;
  thread_local char text[40];
  thread_local size_t length = 0;
  time_t now = time(nullptr);
  if (now != cached_second) {
    struct tm tm;
    gmtime_r(&now, &tm);
    length = strftime(text, sizeof text, "%a, %d %b %Y %H:%M:%S GMT", &tm);
    cached_second = now;
  }
  return std::string_view(text, length);
}

// Header values are ours, but a value must never be able to start a new header line.
void AppendValue(std::string_view v, std::string& out) {
  for (char c : v)
    if (c != '\r' && c != '\n') out.push_back(c);
}

void AppendHeader(std::string_view name, std::string_view value, std::string& out) {
  out.append(name);
  out.append(": ", 2);
  if (value.find_first_of("\r\n") == std::string_view::npos) {
    out.append(value);
  } else {
    AppendValue(value, out);
  }
  out.append("\r\n", 2);
}

}  // namespace

const char* ReasonPhrase(int status) {
  switch (status) {
    case 100: return "Continue";
    case 200: return "OK";
    case 201: return "Created";
    case 202: return "Accepted";
    case 204: return "No Content";
    case 304: return "Not Modified";
    case 400: return "Bad Request";
    case 401: return "Unauthorized";
    case 402: return "Payment Required";
    case 403: return "Forbidden";
    case 404: return "Not Found";
    case 405: return "Method Not Allowed";
    case 408: return "Request Timeout";
    case 409: return "Conflict";
    case 412: return "Precondition Failed";
    case 413: return "Content Too Large";
    case 415: return "Unsupported Media Type";
    case 429: return "Too Many Requests";
    case 500: return "Internal Server Error";
    case 503: return "Service Unavailable";
    default: return "";
  }
}

void AppendResponse(const ResponseParts& p, std::string& out) {
  out.reserve(out.size() + 192 + p.body.size());
  char num[24];
  out.append("HTTP/1.1 ", 9);
  out.append(num, std::to_chars(num, num + sizeof num, p.status).ptr);
  out.push_back(' ');
  out.append(ReasonPhrase(p.status));
  out.append("\r\n", 2);
  AppendHeader("Date", DateNow(), out);
  if (!p.content_type.empty()) AppendHeader("Content-Type", p.content_type, out);
  if (p.status != 204) {  // a 204 has no body, so it carries no Content-Length either
    out.append("Content-Length: ", 16);
    out.append(num, std::to_chars(num, num + sizeof num, p.body.size()).ptr);
    out.append("\r\n", 2);
  }
  if (!p.request_id.empty()) AppendHeader("X-Request-Id", p.request_id, out);
  if (p.headers)
    for (const auto& [name, value] : *p.headers) AppendHeader(name, value, out);
  if (p.close) out.append("Connection: close\r\n", 19);
  out.append("\r\n", 2);
  if (!p.head_only) out.append(p.body);
}

}  // namespace kl::http
