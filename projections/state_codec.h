// How projected states are stored in their column families (MessagePack of a JSON object).
// Projections are disposable, so this format may change freely: replay rebuilds them.
#pragma once
#include <optional>
#include <string>
#include <string_view>

#include "domain/key.h"
#include "domain/org.h"

namespace kl::projections {

std::string EncodeKey(const KeyState& key);
std::optional<KeyState> DecodeKey(std::string_view bytes);
std::string EncodeOrg(const OrgState& org);
std::optional<OrgState> DecodeOrg(std::string_view bytes);

}  // namespace kl::projections
