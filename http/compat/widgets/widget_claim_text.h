// Which ids may go into a widget token's claims (docs/widgets.md, The token).
#pragma once
#include <string_view>

namespace kl::http::widgets {

// Printable ASCII without '>', '?' or '~': the characters whose base64 can be '-' or '_', which
// the browser's atob refuses (widget_token.cc says why).
bool IsClaimText(std::string_view s);
inline constexpr const char* kClaimTextRule = "must be printable ASCII without >, ? or ~";

}  // namespace kl::http::widgets
