#include "http/validation_body.h"

#include "http/json_input.h"

namespace kl::http {

const BodyShape kValidationBody{{{"value"}, {"required_permissions"}, {"ip"}, {"user_agent"}}};

namespace {

using json = nlohmann::json;

// Accepts one object of the four known members, strings and one array of strings; gives up
// (returns false) on anything else (an unknown member, null, another type), which ends the
// parse at once and leaves the body to the DOM path that names the mistake.
class Reader final : public nlohmann::json_sax<json> {
 public:
  explicit Reader(ValidationBody& out) : out_(out) {}

  bool null() override { return false; }
  bool boolean(bool) override { return Scalar(nullptr, /*typed=*/true); }
  bool number_integer(number_integer_t) override { return Scalar(nullptr, true); }
  bool number_unsigned(number_unsigned_t) override { return Scalar(nullptr, true); }
  bool number_float(number_float_t, const string_t&) override { return Scalar(nullptr, true); }
  bool binary(binary_t&) override { return false; }
  bool string(string_t& s) override {
    if (depth_ == 2) {  // an element of required_permissions
      out_.required_permissions->push_back(std::move(s));
      return true;
    }
    return Scalar(&s);
  }
  bool start_object(std::size_t) override { return depth_++ == 0; }
  bool end_object() override {
    --depth_;
    return true;
  }
  bool start_array(std::size_t) override {
    if (depth_ != 1 || field_ != Field::kRequired) return false;
    out_.required_permissions.emplace();
    ++depth_;
    return true;
  }
  bool end_array() override {
    --depth_;
    return true;
  }
  bool key(string_t& k) override {
    if (k == "value") field_ = Field::kValue;
    else if (k == "ip") field_ = Field::kIp;
    else if (k == "user_agent") field_ = Field::kUserAgent;
    else if (k == "required_permissions") field_ = Field::kRequired;
    else return false;
    return true;
  }
  bool parse_error(std::size_t, const std::string&, const nlohmann::detail::exception&) override { return false; }

 private:
  enum class Field { kValue, kIp, kUserAgent, kRequired };

  // A member's scalar value: a string for our string fields; a wrong type goes to the DOM path
  // (for its error message).
  bool Scalar(string_t* s, bool typed = false) {
    if (depth_ != 1 || typed || field_ == Field::kRequired) return false;
    std::optional<std::string>* slot = field_ == Field::kValue ? &out_.value
                                       : field_ == Field::kIp  ? &out_.ip
                                                               : &out_.user_agent;
    *slot = std::move(*s);
    return true;
  }

  ValidationBody& out_;
  int depth_ = 0;
  Field field_ = Field::kValue;
};

// A cursor over the body for ScanPlainValidationBody: every method fails (returns false) rather
// than guess, which hands the body to the SAX reader.
class PlainScanner {
 public:
  explicit PlainScanner(std::string_view body) : p_(body.data()), end_(body.data() + body.size()) {}

  void SkipSpace() {
    while (p_ < end_ && (*p_ == ' ' || *p_ == '\t' || *p_ == '\n' || *p_ == '\r')) ++p_;
  }
  bool Eat(char c) {
    SkipSpace();
    if (p_ == end_ || *p_ != c) return false;
    ++p_;
    return true;
  }
  bool AtEnd() {
    SkipSpace();
    return p_ == end_;
  }
  // A string of printable ASCII without escapes (what JSON needs no decoding for).
  bool String(std::string_view* out) {
    if (!Eat('"')) return false;
    const char* start = p_;
    while (p_ < end_ && *p_ != '"') {
      unsigned char c = static_cast<unsigned char>(*p_);
      if (c < 0x20 || c > 0x7e || c == '\\') return false;
      ++p_;
    }
    if (p_ == end_) return false;
    *out = std::string_view(start, static_cast<size_t>(p_ - start));
    ++p_;
    return true;
  }
 private:
  const char* p_;
  const char* end_;
};

}  // namespace

std::optional<ValidationBody> ScanPlainValidationBody(std::string_view body) {
  ValidationBody out;
  PlainScanner in(body);
  if (!in.Eat('{')) return std::nullopt;
  auto member = [&]() -> bool {
    std::string_view name;
    if (!in.String(&name) || !in.Eat(':')) return false;
    if (name == "required_permissions") {
      if (!in.Eat('[')) return false;
      out.required_permissions.emplace();  // a repeated member replaces, as in the SAX reader
      if (!in.Eat(']')) {
        do {
          std::string_view p;
          if (!in.String(&p)) return false;
          out.required_permissions->emplace_back(p);
        } while (in.Eat(','));
        if (!in.Eat(']')) return false;
      }
      return true;
    }
    std::optional<std::string>* slot = name == "value"        ? &out.value
                                       : name == "ip"         ? &out.ip
                                       : name == "user_agent" ? &out.user_agent
                                                              : nullptr;
    std::string_view text;
    if (!slot || !in.String(&text)) return false;  // an unknown member or another type: the DOM path
    slot->emplace(text);
    return true;
  };
  if (!in.Eat('}')) {
    do {
      if (!member()) return std::nullopt;
    } while (in.Eat(','));
    if (!in.Eat('}')) return std::nullopt;
  }
  if (!in.AtEnd()) return std::nullopt;
  return out;
}

ValidationBody ReadValidationBody(const nlohmann::json& body, FieldErrors& errors) {
  FieldReader f(body);
  ValidationBody out;
  out.value = f.String("value");
  // A list (every permission) or a query string (docs/access.md, Permission queries).
  if (auto it = body.find("required_permissions"); it != body.end() && it->is_string())
    out.permission_query = it->get<std::string>();
  else if (it != body.end() && !it->is_array())
    errors["required_permissions"] = "must be an array of strings or a permission query string";
  else
    out.required_permissions = f.StringArray("required_permissions");
  out.ip = f.String("ip");
  out.user_agent = f.String("user_agent");
  errors.insert(f.errors().begin(), f.errors().end());
  return out;
}

std::optional<ValidationBody> ReadValidationBodyFast(std::string_view body) {
  if (auto plain = ScanPlainValidationBody(body)) return plain;
  ValidationBody out;
  Reader reader(out);
  if (!json::sax_parse(body, &reader, json::input_format_t::json, /*strict=*/true)) return std::nullopt;
  return out;
}

}  // namespace kl::http
