// A validation's permission requirement (docs/access.md, Permission queries): either a list (every
// permission required) or a query such as "posts:read AND (posts:write OR admin)", with AND
// binding tighter than OR and parentheses to group.
//
// The parser is a small hand-written recursive descent: no library in Debian 12 parses this
// grammar, and a generated parser would be larger than the grammar. It is bounded strictly:
// kMaxQueryLength bytes, kMaxQueryDepth nested groups, kMaxQueryTerms permissions; it never
// recurses deeper than kMaxQueryDepth, whatever the input.
#pragma once
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "domain/status.h"

namespace kl {

inline constexpr size_t kMaxQueryLength = 1000;
inline constexpr size_t kMaxQueryDepth = 8;
inline constexpr size_t kMaxQueryTerms = 64;

class PermissionQuery {
 public:
  enum class Kind : uint8_t { kPermission, kAnd, kOr };
  struct Node {
    Kind kind = Kind::kPermission;
    std::string permission;        // kPermission
    std::vector<uint32_t> children;  // kAnd / kOr: indexes into nodes()
  };

  // The query, or a validation error naming `field` whose message gives the 0-based byte
  // position of the first problem ("unexpected ')' at position 12").
  static Result<PermissionQuery> Parse(std::string_view text, const std::string& field = "required_permissions");
  // A list as a query: every permission (an empty list requires nothing).
  static PermissionQuery AllOf(const std::vector<std::string>& permissions);

  const std::vector<Node>& nodes() const { return nodes_; }
  uint32_t root() const { return root_; }
  bool empty() const { return nodes_.empty(); }
  // The query (or one of its nodes) as canonical text: single spaces, parentheses only where needed.
  std::string Text(uint32_t node) const;
  std::string Text() const { return empty() ? std::string() : Text(root_); }

 private:
  friend class QueryParser;
  std::vector<Node> nodes_;
  uint32_t root_ = 0;
};

// What a key's permissions made of a requirement. On failure, `failed_clause` is the part that
// failed (the first failing operand of an AND, followed down; an OR or a single permission whole)
// and `missing` the permissions of that clause the key lacks.
struct PermissionVerdict {
  bool satisfied = true;
  std::string failed_clause;
  std::vector<std::string> missing;
};

PermissionVerdict EvaluatePermissionQuery(const PermissionQuery& query,
                                          const std::function<bool(const std::string&)>& has);
PermissionVerdict EvaluatePermissionQuery(const PermissionQuery& query, const std::vector<std::string>& held);

}  // namespace kl
