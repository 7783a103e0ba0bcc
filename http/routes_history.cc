// A key's history (oldest first) and the key as it stood at a past instant, both folded from
// the key's own stream.
#include "domain/key.h"
#include "domain/org.h"
#include "domain/time.h"
#include "events/json.h"
#include "http/render.h"
#include "http/route_helpers.h"
#include "http/routes.h"

namespace kl::http {

using nlohmann::json;

Result<std::optional<KeyState>> KeyAsOf(Services& s, const std::string& org_id, const std::string& key_id,
                                        const RequestContext& ctx, Millis* as_of_time,
                                        std::optional<OrgState>* org_as_of) {
  auto as_of = ctx.Query("as_of");
  auto as_of_seq = QueryInt(ctx.Query("as_of_seq"), "as_of_seq", 0, INT64_MAX);
  if (!as_of_seq.ok()) return as_of_seq.status();
  std::optional<Millis> t;
  if (as_of) {
    t = ParseTime(*as_of);
    if (!t) return Status::Validation({{"as_of", "must be an RFC 3339 timestamp"}});
  }
  if (as_of && *as_of_seq) return Status::Validation({{"as_of", "give as_of or as_of_seq, not both"}});
  std::vector<Event> events;
  if (Status st = s.log->ReadStream("key:" + key_id, 0, SIZE_MAX, &events); !st.ok()) return st;
  std::optional<KeyState> key;
  Millis last = 0;
  for (const Event& e : events) {
    if (t && e.recorded_at > *t) break;
    if (*as_of_seq && e.seq > static_cast<uint64_t>(**as_of_seq)) break;
    EvolveKey(key, e);
    last = e.recorded_at;
  }
  if (key && key->org_id != org_id) key.reset();
  *as_of_time = t ? *t : last;
  if (key && org_as_of) {
    std::vector<Event> org_events;
    if (Status st = s.log->ReadStream("org:" + org_id, 0, SIZE_MAX, &org_events); !st.ok()) return st;
    for (const Event& e : org_events) {
      if (t && e.recorded_at > *t) break;
      if (*as_of_seq && e.seq > static_cast<uint64_t>(**as_of_seq)) break;
      // Without an explicit point, the key's last event is the point.
      if (!t && !*as_of_seq && e.recorded_at > last) break;
      EvolveOrg(*org_as_of, e);
    }
  }
  return key;
}

const QueryShape kHistoryQuery{"after_seq", "limit"};

void RegisterHistoryRoutes(Router& router, Services& s) {
  router.Add("GET", "/v1/orgs/{org}/api-keys/{id}/events", {kHistoryQuery}, Authenticated(s, [&s](auto ctx, Respond respond) {
    const std::string org_id = ctx->Param("org");
    const std::string key_id = ctx->Param("id");
    if (Status a = Authorize(ctx->principal, org_id, "events:read"); !a.ok()) return respond(Fail(a, *ctx));
    FieldErrors errors;
    auto after = QueryInt(ctx->Query("after_seq"), "after_seq", 0, INT64_MAX);
    auto limit = QueryInt(ctx->Query("limit"), "limit", 1, 1000);
    if (!after.ok()) errors.insert(after.status().fields().begin(), after.status().fields().end());
    if (!limit.ok()) errors.insert(limit.status().fields().begin(), limit.status().fields().end());
    if (!errors.empty()) return respond(Fail(Status::Validation(errors), *ctx));
    auto key = s.reads->GetKey(key_id);
    if (!key || key->org_id != org_id) return respond(Fail(Status(Code::kNotFound, "api key not found"), *ctx));
    uint64_t after_seq = static_cast<uint64_t>(after->value_or(0));
    size_t max = static_cast<size_t>(limit->value_or(100));
    std::vector<Event> events;
    if (Status st = s.log->ReadStream("key:" + key_id, 0, SIZE_MAX, &events); !st.ok())
      return respond(Fail(st, *ctx));
    json data = json::array();
    uint64_t next = after_seq;
    bool more = false;
    for (const Event& e : events) {
      if (e.seq <= after_seq) continue;
      if (data.size() == max) {
        more = true;
        break;
      }
      data.push_back(events::ToJson(e));
      next = e.seq;
    }
    respond(Reply::Json(200, {{"data", data}, {"next_after_seq", next}, {"has_more", more}}));
  }));
}

}  // namespace kl::http
