#include <catch2/catch.hpp>

#include "domain/permission_query.h"

using namespace kl;

static PermissionVerdict Eval(const std::string& q, const std::vector<std::string>& held) {
  auto parsed = PermissionQuery::Parse(q);
  REQUIRE(parsed.ok());
  return EvaluatePermissionQuery(*parsed, held);
}

TEST_CASE("a permission query: AND binds tighter than OR, parentheses group", "[domain]") {
  CHECK(Eval("posts:read AND (posts:write OR admin)", {"posts:read", "admin"}).satisfied);
  CHECK(Eval("posts:read AND (posts:write OR admin)", {"posts:read", "posts:write"}).satisfied);
  CHECK_FALSE(Eval("posts:read AND (posts:write OR admin)", {"posts:write", "admin"}).satisfied);
  // a AND b OR c is (a AND b) OR c
  CHECK(Eval("a AND b OR c", {"c"}).satisfied);
  CHECK_FALSE(Eval("a AND (b OR c)", {"c"}).satisfied);
  CHECK(Eval("  single  ", {"single"}).satisfied);
  CHECK(PermissionQuery::Parse("a AND (b OR c) AND d")->Text() == "a AND (b OR c) AND d");
  CHECK(PermissionQuery::Parse("((a))")->Text() == "a");
}

TEST_CASE("a failed query names the clause that failed and what it lacks", "[domain]") {
  auto v = Eval("posts:read AND (posts:write OR admin)", {"posts:read"});
  CHECK_FALSE(v.satisfied);
  CHECK(v.failed_clause == "posts:write OR admin");
  CHECK(v.missing == std::vector<std::string>{"posts:write", "admin"});

  auto first = Eval("posts:read AND (posts:write OR admin)", {"admin"});
  CHECK(first.failed_clause == "posts:read");
  CHECK(first.missing == std::vector<std::string>{"posts:read"});

  // A list blames every permission it lacks.
  auto list = EvaluatePermissionQuery(PermissionQuery::AllOf({"a", "b", "c"}), std::vector<std::string>{"b"});
  CHECK(list.failed_clause == "a AND b AND c");
  CHECK(list.missing == std::vector<std::string>{"a", "c"});
  CHECK(EvaluatePermissionQuery(PermissionQuery::AllOf({}), std::vector<std::string>{}).satisfied);
}

TEST_CASE("a syntax error names the field and the position", "[domain]") {
  struct Case {
    const char* query;
    size_t position;
  };
  for (const Case& c : {Case{"", 0}, Case{"   ", 3}, Case{"a AND", 5}, Case{"a OR OR b", 5}, Case{"(a OR b", 7},
                        Case{"a b", 2}, Case{"a)", 1}, Case{"a AND $", 6}, Case{"AND a", 0}, Case{"()", 1}}) {
    INFO(c.query);
    auto r = PermissionQuery::Parse(c.query);
    REQUIRE_FALSE(r.ok());
    CHECK(r.status().code() == Code::kValidation);
    REQUIRE(r.status().fields().count("required_permissions") == 1);
    CHECK(r.status().details().at("position") == std::to_string(c.position));
    CHECK(r.status().fields().at("required_permissions").find("at position " + std::to_string(c.position)) !=
          std::string::npos);
  }
  CHECK(PermissionQuery::Parse("a AND", "permissions").status().fields().count("permissions") == 1);
}

TEST_CASE("a query is bounded in length, depth and terms", "[domain]") {
  CHECK_FALSE(PermissionQuery::Parse(std::string(kMaxQueryLength + 1, 'a')).ok());
  std::string deep = std::string(kMaxQueryDepth, '(') + "a" + std::string(kMaxQueryDepth, ')');
  CHECK(PermissionQuery::Parse(deep).ok());
  std::string deeper = "(" + deep + ")";
  auto r = PermissionQuery::Parse(deeper);
  REQUIRE_FALSE(r.ok());
  CHECK(r.status().details().at("position") == std::to_string(kMaxQueryDepth));
  std::string many = "p0";
  for (size_t i = 1; i <= kMaxQueryTerms; ++i) many += " OR p" + std::to_string(i);
  CHECK_FALSE(PermissionQuery::Parse(many).ok());
  CHECK_FALSE(PermissionQuery::Parse(std::string(65, 'a')).ok());
  // A million opening parentheses are refused by length before any recursion.
  CHECK_FALSE(PermissionQuery::Parse(std::string(1'000'000, '(')).ok());
}
