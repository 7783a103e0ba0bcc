// Status: the error value returned across layer boundaries (LevelDB style).
// Codes map 1:1 onto the HTTP error codes of docs/spec.md, HTTP conventions, so the edge needs no guesswork.
#pragma once
#include <map>
#include <optional>
#include <string>
#include <utility>

namespace kl {

enum class Code {
  kOk,
  kMalformedJson,       // 400 malformed_json
  kValidation,          // 400 validation_error
  kUnauthenticated,     // 401
  kTenantInactive,      // 402
  kPermissionDenied,    // 403
  kNotFound,            // 404
  kMethodNotAllowed,    // 405
  kConflict,            // 409
  kPreconditionFailed,  // 412
  kPayloadTooLarge,     // 413
  kUnsupportedMediaType,// 415
  kInternal,            // 500
  kUnavailable,         // 503
};

// Per-field messages of a validation error ("name" -> "must be 1..200 characters").
using FieldErrors = std::map<std::string, std::string>;

// [[nodiscard]]: a Status dropped on the floor is an error nobody handles.
class [[nodiscard]] Status {
 public:
  Status() = default;
  Status(Code code, std::string message) : code_(code), message_(std::move(message)) {}
  static Status Ok() { return {}; }
  static Status Validation(FieldErrors fields) {
    Status s(Code::kValidation, "request validation failed");
    s.fields_ = std::move(fields);
    return s;
  }
  static Status Validation(FieldErrors fields, std::string message) {
    Status s(Code::kValidation, std::move(message));
    s.fields_ = std::move(fields);
    return s;
  }
  bool ok() const { return code_ == Code::kOk; }
  Code code() const { return code_; }
  const std::string& message() const { return message_; }
  const FieldErrors& fields() const { return fields_; }
  // Extra machine-readable detail, e.g. the org status for tenant_inactive.
  const std::map<std::string, std::string>& details() const { return details_; }
  Status& WithDetail(std::string k, std::string v) { details_[std::move(k)] = std::move(v); return *this; }

 private:
  Code code_ = Code::kOk;
  std::string message_;
  FieldErrors fields_;
  std::map<std::string, std::string> details_;
};

// Result<T>: a value or the Status saying why there is none. Built from a Status, that Status
// must be an error: an OK Result without a value would be read as a value that is not there, so
// it becomes kInternal instead.
template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : value_(std::move(value)) {}
  Result(Status status) : status_(std::move(status)) {
    if (status_.ok()) status_ = Status(Code::kInternal, "a Result was built from an OK status without a value");
  }
  bool ok() const { return status_.ok(); }
  const Status& status() const { return status_; }
  T& value() { return *value_; }
  const T& value() const { return *value_; }
  T* operator->() { return &*value_; }
  const T* operator->() const { return &*value_; }
  T& operator*() { return *value_; }

 private:
  std::optional<T> value_;
  Status status_;
};

}  // namespace kl
