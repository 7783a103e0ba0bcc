#include "events/canonical_json.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <stdexcept>
#include <vector>

#include "events/utf8.h"

namespace kl::events {

using nlohmann::json;

namespace {

// RFC 8785 §3.2.3: properties sort by their names as UTF-16 code units. That is code point
// order except that characters above U+FFFF (surrogate pairs, D800..DFFF) sort before
// U+E000..U+FFFF, so byte-wise UTF-8 order (nlohmann's own) is not enough.
std::u16string Utf16(const std::string& s) {
  std::u16string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size();) {
    Utf8Step step = NextCodePoint(s, i);
    if (!step.valid) throw std::domain_error("RFC 8785 needs valid UTF-8 text");
    i += step.length;
    uint32_t cp = step.code_point;
    if (cp >= 0x10000) {
      cp -= 0x10000;
      out.push_back(static_cast<char16_t>(0xD800 + (cp >> 10)));
      out.push_back(static_cast<char16_t>(0xDC00 + (cp & 0x3ff)));
    } else {
      out.push_back(static_cast<char16_t>(cp));
    }
  }
  return out;
}

// RFC 8785 §3.2.2.2: JSON.stringify's escaping (the two-character forms where ECMAScript has
// one, \u00xx with lower-case hex for the other controls); everything else is written as is.
// `s` must be valid UTF-8. Runs that need no escape are appended whole.
void Escaped(std::string_view s, std::string& out) {
  static const char* kHex = "0123456789abcdef";
  out.push_back('"');
  size_t run = 0;
  for (size_t i = 0; i < s.size(); ++i) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    if (c >= 0x20 && c != '"' && c != '\\') continue;
    out.append(s.data() + run, i - run);
    run = i + 1;
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\b': out += "\\b"; break;
      case '\f': out += "\\f"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      default:
        out += "\\u00";
        out.push_back(kHex[c >> 4]);
        out.push_back(kHex[c & 0xf]);
    }
  }
  out.append(s.data() + run, s.size() - run);
  out.push_back('"');
}

void String(const std::string& s, std::string& out) {
  if (!IsValidUtf8(s)) throw std::domain_error("RFC 8785 needs valid UTF-8 text");
  Escaped(s, out);
}

// RFC 8785 §3.2.2.3: ECMAScript's Number.prototype.toString for a double.
void Number(double v, std::string& out) {
  if (!std::isfinite(v)) throw std::domain_error("NaN and Infinity have no JSON form");
  if (v == 0) {
    out += "0";  // also -0
    return;
  }
  char buf[64];
  // Shortest round-trip digits, in scientific form: d[.ddd]e±x.
  auto res = std::to_chars(buf, buf + sizeof buf, v, std::chars_format::scientific);
  std::string sci(buf, res.ptr);
  bool negative = sci[0] == '-';
  if (negative) sci.erase(0, 1);
  size_t e_pos = sci.find('e');
  std::string digits = sci.substr(0, e_pos);
  digits.erase(std::remove(digits.begin(), digits.end(), '.'), digits.end());
  int exponent = std::stoi(sci.substr(e_pos + 1));
  int k = static_cast<int>(digits.size());
  int n = exponent + 1;  // the position of the decimal point relative to the digits
  if (negative) out.push_back('-');
  if (k <= n && n <= 21) {
    out += digits;
    out.append(static_cast<size_t>(n - k), '0');
  } else if (0 < n && n <= 21) {
    out += digits.substr(0, static_cast<size_t>(n));
    out.push_back('.');
    out += digits.substr(static_cast<size_t>(n));
  } else if (-6 < n && n <= 0) {
    out += "0.";
    out.append(static_cast<size_t>(-n), '0');
    out += digits;
  } else {
    out.push_back(digits[0]);
    if (k > 1) {
      out.push_back('.');
      out += digits.substr(1);
    }
    out.push_back('e');
    out.push_back(n - 1 >= 0 ? '+' : '-');
    out += std::to_string(std::abs(n - 1));
  }
}

void Write(const json& v, std::string& out) {
  switch (v.type()) {
    case json::value_t::null: out += "null"; break;
    case json::value_t::boolean: out += v.get<bool>() ? "true" : "false"; break;
    case json::value_t::number_integer: {
      int64_t i = v.get<int64_t>();
      // Exactly representable as a double: print as the integer it is; else as ECMAScript would.
      if (i >= -(1LL << 53) && i <= (1LL << 53)) out += std::to_string(i);
      else Number(static_cast<double>(i), out);
      break;
    }
    case json::value_t::number_unsigned: {
      uint64_t u = v.get<uint64_t>();
      if (u <= (1ULL << 53)) out += std::to_string(u);
      else Number(static_cast<double>(u), out);
      break;
    }
    case json::value_t::number_float: Number(v.get<double>(), out); break;
    case json::value_t::string: String(v.get_ref<const std::string&>(), out); break;
    case json::value_t::array: {
      out.push_back('[');
      bool first = true;
      for (const auto& e : v) {
        if (!first) out.push_back(',');
        first = false;
        Write(e, out);
      }
      out.push_back(']');
      break;
    }
    case json::value_t::object: {
      struct Member {
        std::u16string sort_key;
        const std::string* name;
        const json* value;
      };
      // Names that are all ASCII already sit in UTF-16 order in nlohmann's byte-ordered map
      // (event names always are): write them in place, with no sort and no UTF-16 copies.
      bool ascii_names = true;
      for (auto it = v.begin(); ascii_names && it != v.end(); ++it)
        for (char c : it.key())
          if (static_cast<unsigned char>(c) >= 0x80) ascii_names = false;
      if (ascii_names) {
        out.push_back('{');
        bool first = true;
        for (auto it = v.begin(); it != v.end(); ++it) {
          if (!first) out.push_back(',');
          first = false;
          String(it.key(), out);
          out.push_back(':');
          Write(it.value(), out);
        }
        out.push_back('}');
        break;
      }
      std::vector<Member> members;
      members.reserve(v.size());
      for (auto it = v.begin(); it != v.end(); ++it) members.push_back({Utf16(it.key()), &it.key(), &it.value()});
      // Keys are unique, so the order is total and a plain sort is deterministic.
      std::sort(members.begin(), members.end(), [](const Member& a, const Member& b) { return a.sort_key < b.sort_key; });
      out.push_back('{');
      bool first = true;
      for (const Member& m : members) {
        if (!first) out.push_back(',');
        first = false;
        String(*m.name, out);
        out.push_back(':');
        Write(*m.value, out);
      }
      out.push_back('}');
      break;
    }
    default: throw std::domain_error("this JSON value has no canonical form");
  }
}

}  // namespace

void AppendCanonicalText(std::string_view text, std::string& out) {
  if (IsValidUtf8(text)) {
    Escaped(text, out);
  } else {
    Escaped(ToValidUtf8(text), out);
  }
}

std::string Canonicalize(const json& value) {
  std::string out;
  Write(value, out);
  return out;
}

}  // namespace kl::events
