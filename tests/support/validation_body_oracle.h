// What a POST /v1/validations body means, read from its nlohmann DOM: the oracle the plain
// scanner (http::ScanPlainValidationBody) is held to in its unit test and in json_input_fuzz.
// nullopt when the route refuses the body: a member it does not know, or a type (null included)
// it refuses.
#pragma once
#include <nlohmann/json.hpp>
#include <optional>

#include "http/validation_body.h"

namespace kl::testing {

inline std::optional<http::ValidationBody> ValidationBodyFromDom(const nlohmann::json& body) {
  if (!body.is_object()) return std::nullopt;
  http::ValidationBody out;
  for (const auto& [name, value] : body.items())
    if (name != "value" && name != "ip" && name != "user_agent" && name != "required_permissions") return std::nullopt;
  for (auto [name, slot] : {std::pair{"value", &out.value}, {"ip", &out.ip}, {"user_agent", &out.user_agent}}) {
    auto it = body.find(name);
    if (it == body.end()) continue;
    if (!it->is_string()) return std::nullopt;
    *slot = it->get<std::string>();
  }
  if (auto it = body.find("required_permissions"); it != body.end()) {
    if (!it->is_array()) return std::nullopt;
    out.required_permissions.emplace();
    for (const auto& p : *it) {
      if (!p.is_string()) return std::nullopt;
      out.required_permissions->push_back(p.get<std::string>());
    }
  }
  return out;
}

inline bool SameValidationBody(const http::ValidationBody& a, const http::ValidationBody& b) {
  return a.value == b.value && a.ip == b.ip && a.user_agent == b.user_agent &&
         a.required_permissions == b.required_permissions;
}

}  // namespace kl::testing
