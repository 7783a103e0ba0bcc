// Fuzzes the permission query parser (domain/permission_query.h, docs/access.md):
//
// 1. Nothing crashes and nothing recurses past the bounds, whatever the bytes.
// 2. A refusal is a validation error naming the field, with a position within the input.
// 3. An accepted query's canonical text parses again to the same canonical text, and evaluates
//    exactly as the original against the same held set (byte 0 of the input picks which of the
//    query's permissions are held).
// 4. A failed verdict names a clause and reports missing only permissions the key lacks.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "domain/permission_query.h"

namespace {

void Fail(const char* what, std::string_view q) {
  std::fprintf(stderr, "permission_query_fuzz: %s: \"%.*s\"\n", what, static_cast<int>(q.size()), q.data());
  std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  uint8_t pick = data[0];
  std::string_view text(reinterpret_cast<const char*>(data + 1), size - 1);
  auto parsed = kl::PermissionQuery::Parse(text);
  if (!parsed.ok()) {
    const auto& st = parsed.status();
    if (st.code() != kl::Code::kValidation || st.fields().count("required_permissions") != 1)
      Fail("a refusal that is not a validation error naming the field", text);
    size_t pos = std::stoul(st.details().at("position"));
    if (pos > text.size() && pos != kl::kMaxQueryLength) Fail("a position past the input", text);
    return 0;
  }
  if (text.size() > kl::kMaxQueryLength) Fail("an over-long query was accepted", text);
  // Hold the permissions whose index has its bit set in `pick`.
  std::vector<std::string> held;
  size_t i = 0;
  for (const auto& n : parsed->nodes())
    if (n.kind == kl::PermissionQuery::Kind::kPermission && ((pick >> (i++ % 8)) & 1)) held.push_back(n.permission);
  std::string canonical = parsed->Text();
  // The canonical text may be longer than the input (a space each side of AND/OR): past the
  // length bound it is rightly refused, so the round trip is checked below it only.
  if (canonical.size() > kl::kMaxQueryLength) return 0;
  auto again = kl::PermissionQuery::Parse(canonical);
  if (!again.ok()) Fail("the canonical text does not parse", text);
  if (again->Text() != canonical) Fail("the canonical text is not a fixed point", text);
  auto v1 = kl::EvaluatePermissionQuery(*parsed, held);
  auto v2 = kl::EvaluatePermissionQuery(*again, held);
  if (v1.satisfied != v2.satisfied) Fail("the canonical text evaluates differently", text);
  if (!v1.satisfied) {
    if (v1.failed_clause.empty()) Fail("a failure without a clause", text);
    for (const auto& m : v1.missing)
      for (const auto& h : held)
        if (m == h) Fail("a held permission reported missing", text);
  }
  return 0;
}
