#include <set>

#include "events/json.h"
#include "http/route_helpers.h"
#include "http/routes.h"

namespace kl::http {

using nlohmann::json;

namespace {

const QueryShape kFeedQuery{"after_seq", "before_seq", "order", "limit", "org_id", "key_id", "type", "wait_ms"};

struct FeedQuery {
  bool newest_first = false;  // order=desc: read back from before_seq (or the head)
  uint64_t after_seq = 0;
  std::optional<uint64_t> before_seq;
  size_t limit = 100;
  std::optional<std::string> org_id;
  std::optional<std::string> key_id;
  std::set<std::string> types;
  int64_t wait_ms = 0;
};

bool Matches(const FeedQuery& q, const Event& e) {
  if (q.org_id && e.org_id != *q.org_id) return false;
  if (q.key_id && e.key_id != q.key_id) return false;
  if (!q.types.empty() && !q.types.count(EventTypeName(e.data))) return false;
  return true;
}

// How many events one request may scan past non-matching ones before answering with a
// next_after_seq the caller resumes from.
constexpr size_t kMaxScan = 20000;

struct FeedPage {
  std::vector<Event> events;
  uint64_t next_after_seq;
  // order=desc: where the next older page starts (nullopt: the start of the log was reached).
  std::optional<uint64_t> next_before_seq;
};

// Newest first: events with seq < before_seq (default: all), read back in chunks.
Result<FeedPage> ScanBackward(const storage::EventLog& log, const FeedQuery& q) {
  uint64_t before = q.before_seq.value_or(log.HeadSeq() + 1);
  FeedPage page{{}, 0, before};
  std::vector<Event> chunk;
  if (q.key_id) {  // the key's own stream is far shorter than the log
    if (Status s = log.ReadStream("key:" + *q.key_id, 0, SIZE_MAX, &chunk); !s.ok()) return s;
    for (auto it = chunk.rbegin(); it != chunk.rend() && page.events.size() < q.limit; ++it) {
      if (it->seq >= before || !Matches(q, *it)) continue;
      page.next_before_seq = it->seq;
      page.events.push_back(std::move(*it));
    }
    if (page.events.size() < q.limit) page.next_before_seq.reset();
    return page;
  }
  constexpr uint64_t kChunk = 1000;
  size_t scanned = 0;
  while (page.events.size() < q.limit && scanned < kMaxScan && *page.next_before_seq > 1) {
    uint64_t newest = *page.next_before_seq - 1;
    uint64_t after = newest > kChunk ? newest - kChunk : 0;
    chunk.clear();
    if (Status s = log.Read(after, static_cast<size_t>(newest - after), &chunk); !s.ok()) return s;
    if (chunk.empty()) break;
    for (auto it = chunk.rbegin(); it != chunk.rend(); ++it) {
      ++scanned;
      page.next_before_seq = it->seq;
      if (Matches(q, *it)) {
        page.events.push_back(std::move(*it));
        if (page.events.size() == q.limit) break;
      }
    }
  }
  if (*page.next_before_seq <= 1) page.next_before_seq.reset();
  return page;
}

Result<FeedPage> Scan(const storage::EventLog& log, const FeedQuery& q) {
  if (q.newest_first) return ScanBackward(log, q);
  FeedPage page{{}, q.after_seq, std::nullopt};
  std::vector<Event> chunk;
  if (q.key_id) {  // the key's own stream is far shorter than the log
    if (Status s = log.ReadStream("key:" + *q.key_id, 0, SIZE_MAX, &chunk); !s.ok()) return s;
    for (Event& e : chunk) {
      if (e.seq <= q.after_seq || !Matches(q, e)) continue;
      page.events.push_back(std::move(e));
      page.next_after_seq = page.events.back().seq;
      if (page.events.size() == q.limit) break;
    }
    if (page.events.size() < q.limit) page.next_after_seq = std::max(page.next_after_seq, log.HeadSeq());
    return page;
  }
  size_t scanned = 0;
  while (page.events.size() < q.limit && scanned < kMaxScan) {
    chunk.clear();
    if (Status s = log.Read(page.next_after_seq, 1000, &chunk); !s.ok()) return s;
    if (chunk.empty()) break;
    for (Event& e : chunk) {
      ++scanned;
      page.next_after_seq = e.seq;
      if (Matches(q, e)) {
        page.events.push_back(std::move(e));
        if (page.events.size() == q.limit) break;
      }
    }
  }
  return page;
}

Result<FeedQuery> ReadFeedQuery(const RequestContext& ctx) {
  FeedQuery q;
  FieldErrors errors;
  auto after = QueryInt(ctx.Query("after_seq"), "after_seq", 0, INT64_MAX);
  if (!after.ok()) errors.insert(after.status().fields().begin(), after.status().fields().end());
  else q.after_seq = static_cast<uint64_t>(after->value_or(0));
  auto limit = QueryInt(ctx.Query("limit"), "limit", 1, 1000);
  if (!limit.ok()) errors.insert(limit.status().fields().begin(), limit.status().fields().end());
  else q.limit = static_cast<size_t>(limit->value_or(100));
  auto wait = QueryInt(ctx.Query("wait_ms"), "wait_ms", 0, 30000);
  if (!wait.ok()) errors.insert(wait.status().fields().begin(), wait.status().fields().end());
  else q.wait_ms = wait->value_or(0);
  if (auto order = ctx.Query("order")) {
    if (*order != "asc" && *order != "desc") errors["order"] = "must be asc or desc";
    q.newest_first = *order == "desc";
  }
  auto before = QueryInt(ctx.Query("before_seq"), "before_seq", 1, INT64_MAX);
  if (!before.ok()) errors.insert(before.status().fields().begin(), before.status().fields().end());
  else if (*before) q.before_seq = static_cast<uint64_t>(**before);
  if (q.before_seq && !q.newest_first) errors["before_seq"] = "is only read with order=desc";
  if (q.newest_first && ctx.Query("after_seq")) errors["after_seq"] = "is only read with order=asc";
  if (q.newest_first && q.wait_ms > 0) errors["wait_ms"] = "is only read with order=asc";
  q.org_id = ctx.Query("org_id");
  q.key_id = ctx.Query("key_id");
  if (auto types = ctx.Query("type")) {
    std::set<std::string> known(AllEventTypeNames().begin(), AllEventTypeNames().end());
    std::string cur;
    for (size_t i = 0; i <= types->size(); ++i) {
      if (i == types->size() || (*types)[i] == ',') {
        if (!known.count(cur)) errors["type"] = "unknown event type '" + cur.substr(0, 64) + "'";
        else q.types.insert(cur);
        cur.clear();
      } else {
        cur.push_back((*types)[i]);
      }
    }
  }
  if (!errors.empty()) return Status::Validation(errors);
  return q;
}

void Answer(const storage::EventLog& log, const FeedQuery& q, const RequestContext& ctx, const Respond& respond) {
  auto page = Scan(log, q);
  if (!page.ok()) return respond(Fail(page.status(), ctx));
  json data = json::array();
  for (const Event& e : page->events) data.push_back(events::ToJson(e));
  json answer = {{"data", std::move(data)}, {"head_seq", log.HeadSeq()}};
  if (q.newest_first) {
    answer["next_before_seq"] = page->next_before_seq ? json(*page->next_before_seq) : json(nullptr);
  } else {
    answer["next_after_seq"] = page->next_after_seq;
  }
  respond(Reply::Json(200, answer));
}

// Long-poll: parks on the log's notifier (no thread held) until a matching event or the deadline.
void Park(storage::EventLog& log, FeedQuery q, std::shared_ptr<RequestContext> ctx, Respond respond,
          std::chrono::steady_clock::time_point deadline) {
  auto page = Scan(log, q);
  if (!page.ok()) return respond(Fail(page.status(), *ctx));
  if (!page->events.empty() || std::chrono::steady_clock::now() >= deadline) return Answer(log, q, *ctx, respond);
  FeedQuery next = q;
  next.after_seq = page->next_after_seq;  // skip what was already scanned without a match
  log.NotifyAfter(next.after_seq, deadline, [&log, next, ctx, respond, deadline](uint64_t head) {
    if (head <= next.after_seq || std::chrono::steady_clock::now() >= deadline)
      return Answer(log, next, *ctx, respond);
    Park(log, next, ctx, respond, deadline);
  });
}

}  // namespace

void RegisterEventRoutes(Router& router, Services& s) {
  router.Add("GET", "/v1/events", {kFeedQuery}, Authenticated(s, [&s](auto ctx, Respond respond) {
    auto q = ReadFeedQuery(*ctx);
    if (!q.ok()) return respond(Fail(q.status(), *ctx));
    if (ctx->principal.kind == Principal::Kind::kApiKey) {
      if (q->org_id && *q->org_id != ctx->principal.org_id())
        return respond(Fail(Status(Code::kPermissionDenied, "this key may not read another organization"), *ctx));
      q->org_id = ctx->principal.org_id();  // a key sees its own org only
    }
    if (Status a = Authorize(ctx->principal, q->org_id.value_or(""), "events:read"); !a.ok())
      return respond(Fail(a, *ctx));
    if (q->wait_ms == 0) return Answer(*s.log, *q, *ctx, respond);
    Park(*s.log, *q, ctx, respond, std::chrono::steady_clock::now() + std::chrono::milliseconds(q->wait_ms));
  }));
}

}  // namespace kl::http
