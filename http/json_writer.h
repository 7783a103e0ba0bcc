// A streaming JSON writer into one string: no DOM, one growing buffer. For answers on the hot
// path (validation), where building a DOM cost more than the lookup itself. Strings are escaped
// as json_escape.h does (invalid UTF-8 becomes U+FFFD).
#pragma once
#include <charconv>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "http/json_escape.h"

namespace kl::http {

class JsonWriter {
 public:
  explicit JsonWriter(size_t reserve = 1024) { out_.reserve(reserve); }

  void StartObject() { Open('{'); }
  void EndObject() { Close('}'); }
  void StartArray() { Open('['); }
  void EndArray() { Close(']'); }
  void Key(std::string_view name) {
    Separate();
    Quoted(name);
    out_.push_back(':');
    after_key_ = true;
  }
  // A member name that needs no escaping: our own field names, never client text.
  void PlainKey(std::string_view name) {
    Separate();
    out_.push_back('"');
    out_.append(name);
    out_.append("\":", 2);
    after_key_ = true;
  }
  void String(std::string_view s) {
    BeforeValue();
    Quoted(s);
  }
  void Int64(int64_t v) {
    BeforeValue();
    char buf[24];
    auto end = std::to_chars(buf, buf + sizeof buf, v).ptr;
    out_.append(buf, end);
  }
  void Bool(bool v) {
    BeforeValue();
    out_.append(v ? "true" : "false");
  }
  void Null() {
    BeforeValue();
    out_.append("null");
  }
  // Text that is already one JSON value.
  void Raw(std::string_view json) {
    BeforeValue();
    out_.append(json);
  }
  const std::string& str() const { return out_; }
  // For a caller that appends one complete value itself, right after Raw("") placed it.
  std::string& Buffer() { return out_; }
  std::string Take() { return std::move(out_); }

 private:
  void Open(char c) {
    BeforeValue();
    out_.push_back(c);
    first_.push_back(true);
  }
  void Close(char c) {
    out_.push_back(c);
    first_.pop_back();
  }
  // A comma before every member or element but the first of its container.
  void Separate() {
    if (first_.empty()) return;
    if (!first_.back()) out_.push_back(',');
    first_.back() = false;
  }
  void BeforeValue() {
    if (after_key_) {
      after_key_ = false;
      return;
    }
    Separate();
  }
  void Quoted(std::string_view s) {
    out_.push_back('"');
    AppendJsonEscaped(s, out_);
    out_.push_back('"');
  }

  std::string out_;
  std::vector<bool> first_;
  bool after_key_ = false;
};

}  // namespace kl::http
