#include "events/sanitize.h"

#include <cmath>
#include <vector>

#include "events/utf8.h"

namespace kl::events {

using nlohmann::json;

void SanitizeJson(json& value) {
  switch (value.type()) {
    case json::value_t::string: {
      auto& s = value.get_ref<std::string&>();
      if (!IsValidUtf8(s)) s = ToValidUtf8(s);
      break;
    }
    case json::value_t::number_float:
      if (!std::isfinite(value.get<double>())) value = nullptr;
      break;
    case json::value_t::array:
      for (auto& element : value) SanitizeJson(element);
      break;
    case json::value_t::object: {
      bool keys_valid = true;
      for (auto it = value.begin(); it != value.end(); ++it) {
        SanitizeJson(it.value());
        keys_valid = keys_valid && IsValidUtf8(it.key());
      }
      if (keys_valid) break;
      // Rebuild with repaired keys. A repaired key may collide with another key: valid keys
      // win, then the first repaired one in the object's (byte-sorted) order, so the outcome is
      // deterministic.
      json repaired = json::object();
      for (auto it = value.begin(); it != value.end(); ++it)
        if (IsValidUtf8(it.key())) repaired.emplace(it.key(), std::move(it.value()));
      for (auto it = value.begin(); it != value.end(); ++it)
        if (!IsValidUtf8(it.key())) repaired.emplace(ToValidUtf8(it.key()), std::move(it.value()));
      value = std::move(repaired);
      break;
    }
    default:
      break;
  }
}

}  // namespace kl::events
