// The transparency log (docs/audit.md, "Transparency log"): signed checkpoints of the Merkle tree
// over the log, inclusion and consistency proofs, and witness cosignatures. Auth as
// GET /v1/ledger/head: `events:read`.
#include "domain/crypto.h"
#include "http/route_helpers.h"
#include "http/routes.h"

namespace kl::http {

using nlohmann::json;

namespace {

constexpr int64_t kMaxSize = INT64_MAX;

// 501 when this node keeps no tree, rather than an answer that could differ between nodes.
std::optional<Reply> Unavailable(const Services& s, const RequestContext& ctx) {
  if (s.transparency && s.transparency->Available()) return std::nullopt;
  return Reply::Json(501, {{"error",
                            {{"code", "transparency_log_unavailable"},
                             {"message", "this node's log keeps no Merkle tree (docs/cluster.md, Transparency log)"},
                             {"request_id", ctx.request_id}}}});
}

std::optional<Reply> Refused(Services& s, const RequestContext& ctx) {
  if (Status a = Authorize(ctx.principal, ctx.principal.org_id(), "events:read"); !a.ok()) return Fail(a, ctx);
  return Unavailable(s, ctx);
}

// tree_size / to: given, or the latest final checkpoint's size.
Result<uint64_t> SizeOrLatest(Services& s, const RequestContext& ctx, const char* name) {
  auto given = QueryInt(ctx.Query(name), name, 0, kMaxSize);
  if (!given.ok()) return given.status();
  uint64_t latest = s.transparency->LatestSize();
  if (*given) {
    if (static_cast<uint64_t>(**given) > latest)
      return Status::Validation({{name, "must be at most the log's size, " + std::to_string(latest)}});
    return static_cast<uint64_t>(**given);
  }
  auto final_checkpoint = s.transparency->LatestFinal();
  if (!final_checkpoint.ok()) return final_checkpoint.status();
  return final_checkpoint->size;
}

json HexList(const std::vector<Hash32>& hashes) {
  json out = json::array();
  for (const Hash32& h : hashes) out.push_back(ToHex(h));
  return out;
}

Reply CheckpointReply(const exports::ServedCheckpoint& c) {
  Reply r;
  r.status = 200;
  r.body = c.note;
  r.content_type = "text/plain; charset=utf-8";
  r.headers.emplace_back("Keyledger-Checkpoint-Final", c.final ? "true" : "false");
  return r;
}

const BodyShape kCosignatureBody{{{"checkpoint"}}};

}  // namespace

void RegisterTransparencyRoutes(Router& router, Services& s) {
  router.Add("GET", "/v1/ledger/checkpoint", {{"tree_size"}}, Authenticated(s, [&s](auto ctx, Respond respond) {
    if (auto no = Refused(s, *ctx)) return respond(std::move(*no));
    auto given = QueryInt(ctx->Query("tree_size"), "tree_size", 0, kMaxSize);
    if (!given.ok()) return respond(Fail(given.status(), *ctx));
    if (*given && static_cast<uint64_t>(**given) > s.transparency->LatestSize())
      return respond(Fail(Status::Validation({{"tree_size", "must be at most the log's size, " +
                                                                std::to_string(s.transparency->LatestSize())}}),
                          *ctx));
    auto c = *given ? s.transparency->CheckpointAt(static_cast<uint64_t>(**given)) : s.transparency->LatestFinal();
    if (!c.ok()) return respond(Fail(c.status(), *ctx));
    respond(CheckpointReply(*c));
  }));

  router.Add("GET", "/v1/ledger/proofs/inclusion", {{"seq", "tree_size"}},
             Authenticated(s, [&s](auto ctx, Respond respond) {
               if (auto no = Refused(s, *ctx)) return respond(std::move(*no));
               auto seq = QueryInt(ctx->Query("seq"), "seq", 1, kMaxSize);
               if (!seq.ok()) return respond(Fail(seq.status(), *ctx));
               if (!*seq) return respond(Fail(Status::Validation({{"seq", "is required"}}), *ctx));
               auto size = SizeOrLatest(s, *ctx, "tree_size");
               if (!size.ok()) return respond(Fail(size.status(), *ctx));
               if (static_cast<uint64_t>(**seq) > *size)
                 return respond(Fail(Status::Validation({{"seq", "must be at most tree_size, " +
                                                                     std::to_string(*size)}}),
                                     *ctx));
               uint64_t index = static_cast<uint64_t>(**seq) - 1;
               auto proof = s.transparency->Inclusion(index, *size);
               if (!proof.ok()) return respond(Fail(proof.status(), *ctx));
               respond(Reply::Json(200, {{"leaf_index", index}, {"tree_size", *size}, {"hashes", HexList(*proof)}}));
             }));

  router.Add("GET", "/v1/ledger/proofs/consistency", {{"from", "to"}},
             Authenticated(s, [&s](auto ctx, Respond respond) {
               if (auto no = Refused(s, *ctx)) return respond(std::move(*no));
               auto from = QueryInt(ctx->Query("from"), "from", 1, kMaxSize);
               if (!from.ok()) return respond(Fail(from.status(), *ctx));
               if (!*from) return respond(Fail(Status::Validation({{"from", "is required"}}), *ctx));
               auto to = SizeOrLatest(s, *ctx, "to");
               if (!to.ok()) return respond(Fail(to.status(), *ctx));
               if (static_cast<uint64_t>(**from) > *to)
                 return respond(
                     Fail(Status::Validation({{"from", "must be at most to, " + std::to_string(*to)}}), *ctx));
               auto proof = s.transparency->Consistency(static_cast<uint64_t>(**from), *to);
               if (!proof.ok()) return respond(Fail(proof.status(), *ctx));
               respond(Reply::Json(200, {{"from", **from}, {"to", *to}, {"hashes", HexList(*proof)}}));
             }));

  router.Add("POST", "/v1/ledger/checkpoint/cosignatures", {kNoQuery, &kCosignatureBody},
             Authenticated(s, [&s](auto ctx, Respond respond) {
               if (auto no = Refused(s, *ctx)) return respond(std::move(*no));
               auto body = JsonBody(*ctx);
               if (!body.ok()) return respond(Fail(body.status(), *ctx));
               if (!body->is_object() || !body->contains("checkpoint") || !(*body)["checkpoint"].is_string())
                 return respond(Fail(Status::Validation({{"checkpoint", "is required: the cosigned checkpoint note"}}),
                                     *ctx));
               // Off the reactor thread: a kept cosignature is synced to disk.
               std::string text = (*body)["checkpoint"];
               auto job = [&s, ctx, respond, note = std::move(text)] {
                 auto kept = s.transparency->AddCosignatures(note);
                 if (!kept.ok()) return respond(Fail(kept.status(), *ctx));
                 auto parsed = exports::ParseCheckpointNote(note);
                 auto served = s.transparency->CheckpointAt(parsed->checkpoint.size);
                 if (!served.ok()) return respond(Fail(served.status(), *ctx));
                 respond(Reply::Json(200, {{"tree_size", served->size},
                                           {"cosignatures_kept", *kept},
                                           {"final", served->final},
                                           {"checkpoint", served->note}}));
               };
               if (s.blocking) return s.blocking->Post(std::move(job));
               job();
             }));
}

}  // namespace kl::http
