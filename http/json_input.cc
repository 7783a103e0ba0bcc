#include "http/json_input.h"

#include <cmath>

#include <charconv>

#include "domain/json_depth.h"

namespace kl::http {

using nlohmann::json;

bool IsJsonMediaType(std::string_view ct) {
  static constexpr std::string_view kJson = "application/json";
  size_t n = 0;
  for (char c : ct) {
    if (c == ';') break;
    if (c == ' ' || c == '\t') continue;
    char lower = (c >= 'A' && c <= 'Z') ? static_cast<char>(c + ('a' - 'A')) : c;
    if (n >= kJson.size() || lower != kJson[n]) return false;
    ++n;
  }
  return n == kJson.size();
}

Result<json> ParseJsonBody(const std::string& body, const std::optional<std::string>& content_type,
                           bool allow_empty) {
  if (body.size() > kMaxBodyBytes) return Status(Code::kPayloadTooLarge, "the body exceeds 64 KiB");
  if (body.empty() && allow_empty) return json::object();
  if (!content_type || !IsJsonMediaType(*content_type))
    return Status(Code::kUnsupportedMediaType, "the body must be sent as Content-Type: application/json");
  // Depth guard before parsing (json_depth.h): hostile nesting must stop before a value is built.
  if (JsonNestsDeeperThan(body, 32)) return Status(Code::kMalformedJson, "the JSON nests too deeply");
  json parsed = json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (parsed.is_discarded()) return Status(Code::kMalformedJson, "the body is not valid JSON (UTF-8)");
  return parsed;
}

std::optional<std::string> FieldReader::String(const char* name) {
  auto it = obj_.find(name);
  if (it == obj_.end()) return std::nullopt;
  if (!it->is_string()) {
    errors_[name] = "must be a string";
    return std::nullopt;
  }
  return it->get<std::string>();
}

std::optional<std::optional<std::string>> FieldReader::NullableString(const char* name) {
  auto it = obj_.find(name);
  if (it == obj_.end()) return std::nullopt;
  if (it->is_null()) return std::optional<std::string>{};
  if (!it->is_string()) {
    errors_[name] = "must be a string or null";
    return std::nullopt;
  }
  return std::optional<std::string>{it->get<std::string>()};
}

std::optional<int64_t> FieldReader::Integer(const char* name) {
  auto it = obj_.find(name);
  if (it == obj_.end()) return std::nullopt;
  if (it->is_number_integer()) return it->get<int64_t>();
  if (it->is_number_unsigned()) {
    errors_[name] = "is out of range";
    return std::nullopt;
  }
  if (it->is_number_float()) {
    double d = it->get<double>();
    // Range first: casting a double beyond int64's range is undefined behaviour.
    if (d > -9e18 && d < 9e18 && d == std::trunc(d)) return static_cast<int64_t>(d);
  }
  errors_[name] = "must be an integer";
  return std::nullopt;
}

std::optional<bool> FieldReader::Bool(const char* name) {
  auto it = obj_.find(name);
  if (it == obj_.end()) return std::nullopt;
  if (!it->is_boolean()) {
    errors_[name] = "must be a boolean";
    return std::nullopt;
  }
  return it->get<bool>();
}

std::optional<std::vector<std::string>> FieldReader::StringArray(const char* name) {
  auto it = obj_.find(name);
  if (it == obj_.end()) return std::nullopt;
  if (!it->is_array()) {
    errors_[name] = "must be an array of strings";
    return std::nullopt;
  }
  std::vector<std::string> out;
  for (const auto& v : *it) {
    if (!v.is_string()) {
      errors_[name] = "must be an array of strings";
      return std::nullopt;
    }
    out.push_back(v.get<std::string>());
  }
  return out;
}

std::optional<json> FieldReader::Object(const char* name) {
  auto it = obj_.find(name);
  if (it == obj_.end()) return std::nullopt;
  if (!it->is_object()) {
    errors_[name] = "must be an object";
    return std::nullopt;
  }
  return *it;
}

Result<std::optional<int64_t>> QueryInt(const std::optional<std::string>& raw, const char* name, int64_t min,
                                        int64_t max) {
  if (!raw) return std::optional<int64_t>{};
  int64_t v = 0;
  auto [p, ec] = std::from_chars(raw->data(), raw->data() + raw->size(), v);
  if (ec != std::errc() || p != raw->data() + raw->size() || raw->empty() || v < min || v > max)
    return Status::Validation({{name, "must be an integer in " + std::to_string(min) + ".." + std::to_string(max)}});
  return std::optional<int64_t>{v};
}

}  // namespace kl::http
