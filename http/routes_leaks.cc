// POST /v1/leaks (docs/api.md, "Leaked-key reports"): leaked-key reports, the shape secret-scanning services send.
// The tokens are hashed at once; only hashes leave this handler (answer, events, logs).
#include <map>

#include "domain/crypto.h"
#include "domain/leak.h"
#include "domain/secret.h"
#include "domain/time.h"
#include "http/command_runner.h"
#include "http/route_helpers.h"
#include "http/routes.h"

namespace kl::http {

using nlohmann::json;

namespace {

// Each report of the array (docs/openapi.yaml, LeakReport).
const BodyShape kLeakReport{{{"token"}, {"type"}, {"url"}, {"source"}}};

struct ReportedToken {
  Hash32 token_hash;
  std::optional<std::string> token_type;  // echoed as token_type
  LeakReport report;
  std::optional<std::string> key_id;  // the key whose full secret this is
};

// Errors name each entry's field as "[<index>].<field>"; a body that is not an array is "body".
Result<std::vector<ReportedToken>> ReadReports(const json& body) {
  if (!body.is_array()) return Status::Validation({{"body", "must be a JSON array of {token, type, url, source}"}});
  if (body.size() > kMaxLeakReports) return Status::Validation({{"body", "must hold at most 1000 reports"}});
  FieldErrors errors;
  std::vector<ReportedToken> out;
  out.reserve(body.size());
  for (size_t i = 0; i < body.size(); ++i) {
    std::string at = "[" + std::to_string(i) + "]";
    if (!body[i].is_object()) {
      errors[at] = "must be an object {token, type, url, source}";
      continue;
    }
    FieldReader f(body[i]);
    auto token = f.String("token");
    ReportedToken r;
    r.token_type = f.String("type");
    r.report.type = r.token_type.value_or("");
    r.report.url = f.String("url").value_or("");
    r.report.source = f.String("source").value_or("");
    for (auto& [k, v] : f.errors()) errors[at + "." + k] = v;
    if (!token && !errors.count(at + ".token")) errors[at + ".token"] = "is required";
    CheckLeakReport(r.report, i, errors);
    if (token) r.token_hash = Sha256(*token);
    out.push_back(std::move(r));
  }
  if (!errors.empty()) return Status::Validation(std::move(errors));
  return out;
}

}  // namespace

void RegisterLeakRoutes(Router& router, Services& s) {
  router.Add("POST", "/v1/leaks", {kNoQuery, &kLeakReport}, Authenticated(s, [&s](auto ctx, Respond respond) {
    // Not tied to an org: presenting a key's full secret is the proof that it leaked.
    if (Status a = Authorize(ctx->principal, "", "leaks:report"); !a.ok()) return respond(Fail(a, *ctx));
    auto body = JsonBody(*ctx);
    if (!body.ok()) return respond(Fail(body.status(), *ctx));
    // The tokens are read and matched here; from now on only their hashes exist.
    std::vector<ReportedToken> reports;
    {
      auto read = ReadReports(*body);
      if (!read.ok()) return respond(Fail(read.status(), *ctx));
      reports = std::move(read.value());
      for (size_t i = 0; i < reports.size(); ++i) {
        const json& token = (*body)[i]["token"];
        // Malformed or a failed checksum: a false positive, without a store lookup.
        if (!ParseSecret(token.get_ref<const std::string&>())) continue;
        if (auto key = s.reads->FindKeyByHash(reports[i].token_hash)) reports[i].key_id = key->id;
      }
    }
    body->clear();
    CommandContext cc{NowMillis(), ActorOf(ctx->principal), ctx->request_id};
    auto shared = std::make_shared<const std::vector<ReportedToken>>(std::move(reports));
    RunCommand(
        *s.log,
        [&s, shared, cc]() -> Result<std::vector<Event>> {
          // All reports in one append: each key's report and revocation land together, at the
          // versions read here (a conflict re-reads and decides again).
          std::map<std::string, std::optional<KeyState>> keys;
          std::vector<Event> out;
          for (const auto& r : *shared) {
            if (!r.key_id) continue;
            auto [it, fresh] = keys.try_emplace(*r.key_id);
            if (fresh) it->second = s.reads->GetKey(*r.key_id);
            if (!it->second) return Status(Code::kInternal, "a reported key is missing from the projection");
            for (Event& e : DecideLeakReport(*it->second, r.report, cc)) {
              EvolveKey(it->second, e);  // a second report of the same key in this batch follows on
              out.push_back(std::move(e));
            }
          }
          return out;
        },
        [ctx, respond, shared](Result<std::vector<Event>> r) {
          if (!r.ok()) return respond(Fail(r.status(), *ctx));
          json answer = json::array();
          for (const auto& t : *shared)
            answer.push_back({{"token_hash", ToHex(t.token_hash)},
                              {"token_type", t.token_type ? json(*t.token_type) : json(nullptr)},
                              {"label", t.key_id ? "true_positive" : "false_positive"}});
          respond(Reply::Json(200, answer));
        });
  }));
}

}  // namespace kl::http
