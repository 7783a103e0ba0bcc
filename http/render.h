// The API objects of SPEC §3 rendered from projected state.
#pragma once
#include <nlohmann/json.hpp>

#include "domain/key.h"
#include "domain/org.h"

namespace kl::http {

nlohmann::json RenderKey(const KeyState& key, Millis now);
nlohmann::json RenderOrg(const OrgState& org);

}  // namespace kl::http
