#include "http/input_shape.h"

#include <algorithm>

namespace kl::http {

namespace {

using nlohmann::json;

// Optimal string alignment distance (Levenshtein plus adjacent transpositions, which is how
// most typos look: "ip_allwolist"), capped: anything past `cap` returns cap + 1.
size_t EditDistance(std::string_view a, std::string_view b, size_t cap) {
  if ((a.size() > b.size() ? a.size() - b.size() : b.size() - a.size()) > cap) return cap + 1;
  std::vector<std::vector<size_t>> d(a.size() + 1, std::vector<size_t>(b.size() + 1));
  for (size_t i = 0; i <= a.size(); ++i) d[i][0] = i;
  for (size_t j = 0; j <= b.size(); ++j) d[0][j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    for (size_t j = 1; j <= b.size(); ++j) {
      size_t cost = a[i - 1] == b[j - 1] ? 0 : 1;
      d[i][j] = std::min({d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost});
      if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1]) d[i][j] = std::min(d[i][j], d[i - 2][j - 2] + 1);
    }
  }
  return std::min(d[a.size()][b.size()], cap + 1);
}

std::string UnknownMessage(std::string_view name, const std::vector<std::string_view>& known) {
  std::string message = "is not a known field";
  if (auto near = ClosestName(name, known)) message += "; did you mean " + std::string(*near) + "?";
  return message;
}

// Names are cut in messages: a hostile body may carry a megabyte-long member name.
std::string Printable(std::string_view name) {
  constexpr size_t kMax = 64;
  return name.size() <= kMax ? std::string(name) : std::string(name.substr(0, kMax)) + "...";
}

// A hostile body of thousands of members gets an answer of bounded size.
constexpr size_t kMaxReported = 32;

void CheckObject(const json& object, const BodyShape& shape, const std::string& path, FieldErrors& out) {
  std::vector<std::string_view> known;
  known.reserve(shape.members.size());
  for (const auto& m : shape.members) known.push_back(m.name);
  for (const auto& item : object.items()) {
    const std::string& name = item.key();
    const json& value = item.value();
    auto it = std::find_if(shape.members.begin(), shape.members.end(),
                           [&name](const BodyShape::Member& m) { return m.name == name; });
    if (out.size() >= kMaxReported) return;
    if (it == shape.members.end()) {
      out[path + Printable(name)] = UnknownMessage(name, known);
    } else if (it->nested && value.is_object()) {
      CheckObject(value, *it->nested, path + std::string(it->name) + ".", out);
    } else if (it->nested && value.is_array()) {
      for (size_t i = 0; i < value.size() && out.size() < kMaxReported; ++i)
        if (value[i].is_object())
          CheckObject(value[i], *it->nested, path + std::string(it->name) + "[" + std::to_string(i) + "].", out);
    }
  }
}

}  // namespace

std::optional<std::string_view> ClosestName(std::string_view name, const std::vector<std::string_view>& known) {
  constexpr size_t kMaxDistance = 2;
  std::optional<std::string_view> best;
  size_t best_distance = kMaxDistance + 1;
  for (std::string_view k : known) {
    size_t d = EditDistance(name, k, kMaxDistance);
    // Not a rewrite of the whole name: "x" is no typo of "id".
    if (d < best_distance && d < name.size() && d < k.size()) best = k, best_distance = d;
  }
  return best;
}

FieldErrors UnknownMembers(const json& value, const BodyShape& shape) {
  FieldErrors out;
  if (value.is_object()) {
    CheckObject(value, shape, "", out);
  } else if (value.is_array()) {
    for (size_t i = 0; i < value.size(); ++i)
      if (value[i].is_object()) CheckObject(value[i], shape, "[" + std::to_string(i) + "].", out);
  }
  return out;
}

FieldErrors UnknownParameters(const std::map<std::string, std::string>& query, const QueryShape& known) {
  FieldErrors out;
  for (const auto& [name, value] : query) {
    if (out.size() >= kMaxReported) break;
    if (std::find(known.begin(), known.end(), name) == known.end()) out[Printable(name)] = UnknownMessage(name, known);
  }
  return out;
}

Status UnknownFieldsError(const FieldErrors& unknown) {
  const auto& [name, why] = *unknown.begin();
  std::string message = "unknown field " + name;
  if (auto hint = why.find("; "); hint != std::string::npos) message += why.substr(hint);
  if (unknown.size() > 1) message += " (and " + std::to_string(unknown.size() - 1) + " more)";
  return Status::Validation(unknown, std::move(message));
}

}  // namespace kl::http
