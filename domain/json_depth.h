// A bound on JSON nesting, checked on the raw text before any parser sees it: nlohmann's parser
// is iterative, but copying, comparing, dumping and destroying a value recurse, so a hostile
// document nested a million deep must be refused before a value is ever built.
#pragma once
#include <string_view>

namespace kl {

// True when `text` opens more than `max_depth` arrays and objects inside one another. Brackets
// inside strings (escapes included) do not count; the text need not be valid JSON.
bool JsonNestsDeeperThan(std::string_view text, int max_depth);

}  // namespace kl
