#include "domain/permission_query.h"

#include <algorithm>

namespace kl {

namespace {
bool IsTokenChar(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '.' ||
         c == ':' || c == '*' || c == '-';
}
}  // namespace

// expr := and ("OR" and)* ; and := primary ("AND" primary)* ; primary := PERMISSION | "(" expr ")"
class QueryParser {
 public:
  QueryParser(std::string_view text, const std::string& field) : text_(text), field_(field) {}

  Result<PermissionQuery> Run() {
    if (text_.size() > kMaxQueryLength)
      return Fail(kMaxQueryLength, "is longer than " + std::to_string(kMaxQueryLength) + " characters");
    Next();
    if (tok_ == Tok::kEnd) return Fail(tok_pos_, "is an empty query");
    auto root = Expr(0);
    if (!root) return *error_;
    if (tok_ != Tok::kEnd) return Fail(tok_pos_, "has an unexpected " + Describe());
    q_.root_ = *root;
    return std::move(q_);
  }

 private:
  enum class Tok { kEnd, kPermission, kAnd, kOr, kOpen, kClose, kBad };

  void Next() {
    while (pos_ < text_.size() && (text_[pos_] == ' ' || text_[pos_] == '\t' || text_[pos_] == '\n')) ++pos_;
    tok_pos_ = pos_;
    if (pos_ >= text_.size()) return void(tok_ = Tok::kEnd);
    char c = text_[pos_];
    if (c == '(' || c == ')') {
      ++pos_;
      return void(tok_ = c == '(' ? Tok::kOpen : Tok::kClose);
    }
    if (!IsTokenChar(c)) {
      ++pos_;
      return void(tok_ = Tok::kBad);
    }
    size_t start = pos_;
    while (pos_ < text_.size() && IsTokenChar(text_[pos_])) ++pos_;
    word_ = text_.substr(start, pos_ - start);
    tok_ = word_ == "AND" ? Tok::kAnd : word_ == "OR" ? Tok::kOr : Tok::kPermission;
  }

  std::string Describe() const {
    switch (tok_) {
      case Tok::kEnd: return "end of query";
      case Tok::kPermission: return "permission '" + std::string(word_) + "'";
      case Tok::kAnd: return "AND";
      case Tok::kOr: return "OR";
      case Tok::kOpen: return "'('";
      case Tok::kClose: return "')'";
      case Tok::kBad: return "character '" + std::string(1, text_[tok_pos_]) + "'";
    }
    return "token";
  }

  // Every message ends with the 0-based byte position it is about; details.position repeats it.
  Status Fail(size_t pos, const std::string& what) {
    std::string msg = what + " at position " + std::to_string(pos);
    return Status::Validation({{field_, msg}}, field_ + " " + msg).WithDetail("position", std::to_string(pos));
  }
  std::nullopt_t Error(const std::string& what) {
    error_ = Fail(tok_pos_, what);
    return std::nullopt;
  }

  uint32_t Add(PermissionQuery::Node n) {
    q_.nodes_.push_back(std::move(n));
    return static_cast<uint32_t>(q_.nodes_.size() - 1);
  }

  // A chain of `op`-separated operands, each read by `operand`; one operand stands alone.
  template <typename Operand>
  std::optional<uint32_t> Chain(Tok op, PermissionQuery::Kind kind, Operand operand) {
    auto first = operand();
    if (!first) return std::nullopt;
    if (tok_ != op) return first;
    PermissionQuery::Node n{kind, {}, {*first}};
    while (tok_ == op) {
      Next();
      auto next = operand();
      if (!next) return std::nullopt;
      n.children.push_back(*next);
    }
    return Add(std::move(n));
  }

  std::optional<uint32_t> Expr(size_t depth) {
    return Chain(Tok::kOr, PermissionQuery::Kind::kOr,
                 [&] { return Chain(Tok::kAnd, PermissionQuery::Kind::kAnd, [&] { return Primary(depth); }); });
  }

  std::optional<uint32_t> Primary(size_t depth) {
    if (tok_ == Tok::kPermission) {
      if (word_.size() > 64) return Error("a permission is longer than 64 characters");
      if (++terms_ > kMaxQueryTerms) return Error("more than " + std::to_string(kMaxQueryTerms) + " permissions");
      uint32_t id = Add({PermissionQuery::Kind::kPermission, std::string(word_), {}});
      Next();
      return id;
    }
    if (tok_ == Tok::kOpen) {
      if (depth + 1 > kMaxQueryDepth)
        return Error("groups nested deeper than " + std::to_string(kMaxQueryDepth));
      Next();
      auto inner = Expr(depth + 1);
      if (!inner) return std::nullopt;
      if (tok_ != Tok::kClose) return Error("expected ')' but found " + Describe());
      Next();
      return inner;
    }
    return Error("expected a permission or '(' but found " + Describe());
  }

  std::string_view text_;
  const std::string& field_;
  size_t pos_ = 0, tok_pos_ = 0, terms_ = 0;
  Tok tok_ = Tok::kEnd;
  std::string_view word_;
  PermissionQuery q_;
  std::optional<Status> error_;
};

Result<PermissionQuery> PermissionQuery::Parse(std::string_view text, const std::string& field) {
  return QueryParser(text, field).Run();
}

PermissionQuery PermissionQuery::AllOf(const std::vector<std::string>& permissions) {
  PermissionQuery q;
  if (permissions.empty()) return q;
  for (const auto& p : permissions) q.nodes_.push_back({Kind::kPermission, p, {}});
  if (permissions.size() == 1) return q;
  Node all{Kind::kAnd, {}, {}};
  for (uint32_t i = 0; i < permissions.size(); ++i) all.children.push_back(i);
  q.nodes_.push_back(std::move(all));
  q.root_ = static_cast<uint32_t>(q.nodes_.size() - 1);
  return q;
}

std::string PermissionQuery::Text(uint32_t id) const {
  const Node& n = nodes_[id];
  if (n.kind == Kind::kPermission) return n.permission;
  std::string out;
  for (uint32_t child : n.children) {
    if (!out.empty()) out += n.kind == Kind::kAnd ? " AND " : " OR ";
    // Only an OR inside an AND needs parentheses: AND binds tighter.
    bool group = n.kind == Kind::kAnd && nodes_[child].kind == Kind::kOr;
    out += group ? "(" + Text(child) + ")" : Text(child);
  }
  return out;
}

namespace {

struct Evaluator {
  const PermissionQuery& q;
  const std::function<bool(const std::string&)>& has;

  bool Holds(uint32_t id) const {
    const auto& n = q.nodes()[id];
    switch (n.kind) {
      case PermissionQuery::Kind::kPermission: return has(n.permission);
      case PermissionQuery::Kind::kAnd:
        return std::all_of(n.children.begin(), n.children.end(), [&](uint32_t c) { return Holds(c); });
      case PermissionQuery::Kind::kOr:
        return std::any_of(n.children.begin(), n.children.end(), [&](uint32_t c) { return Holds(c); });
    }
    return false;
  }

  // The clause to blame for `id` failing: follows an AND to its first failing operand.
  uint32_t Blame(uint32_t id) const {
    const auto& n = q.nodes()[id];
    if (n.kind != PermissionQuery::Kind::kAnd) return id;
    for (uint32_t c : n.children)
      if (!Holds(c)) return Blame(c);
    return id;
  }

  void Missing(uint32_t id, std::vector<std::string>& out) const {
    const auto& n = q.nodes()[id];
    if (n.kind == PermissionQuery::Kind::kPermission) {
      if (!has(n.permission) && std::find(out.begin(), out.end(), n.permission) == out.end())
        out.push_back(n.permission);
      return;
    }
    for (uint32_t c : n.children) Missing(c, out);
  }
};

}  // namespace

PermissionVerdict EvaluatePermissionQuery(const PermissionQuery& query,
                                          const std::function<bool(const std::string&)>& has) {
  PermissionVerdict v;
  if (query.empty()) return v;
  Evaluator e{query, has};
  if (e.Holds(query.root())) return v;
  v.satisfied = false;
  uint32_t blamed = e.Blame(query.root());
  // A list (an AND of permissions) blames every permission missing, not only the first.
  const auto& root = query.nodes()[query.root()];
  bool flat_and = root.kind == PermissionQuery::Kind::kAnd &&
                  std::all_of(root.children.begin(), root.children.end(), [&](uint32_t c) {
                    return query.nodes()[c].kind == PermissionQuery::Kind::kPermission;
                  });
  if (flat_and) blamed = query.root();
  v.failed_clause = query.Text(blamed);
  e.Missing(blamed, v.missing);
  return v;
}

PermissionVerdict EvaluatePermissionQuery(const PermissionQuery& query, const std::vector<std::string>& held) {
  return EvaluatePermissionQuery(query, [&](const std::string& p) {
    return std::find(held.begin(), held.end(), p) != held.end();
  });
}

}  // namespace kl
