#include <sys/stat.h>

#include "domain/command.h"
#include "domain/ids.h"
#include "domain/time.h"
#include "http/command_runner.h"
#include "http/route_helpers.h"
#include "http/routes.h"

namespace kl::http {

using nlohmann::json;

namespace {

// A key-authenticated caller only sees its own org's exports.
bool MaySee(const Principal& who, const json& manifest) {
  if (who.kind == Principal::Kind::kAdmin) return true;
  return manifest["org_id"].is_string() && manifest["org_id"] == who.org_id();
}

}  // namespace

const BodyShape kExportBody{{{"org_id"}, {"from"}, {"to"}, {"format"}}};

void RegisterExportRoutes(Router& router, Services& s) {
  router.Add("POST", "/v1/exports", {kNoQuery, &kExportBody}, Authenticated(s, [&s](auto ctx, Respond respond) {
    auto body = JsonBody(*ctx, /*allow_empty=*/true);
    if (!body.ok()) return respond(Fail(body.status(), *ctx));
    if (!body->is_object()) return respond(Fail(Status(Code::kValidation, "the body must be a JSON object"), *ctx));
    FieldReader f(*body);
    exports::ExportRequest req;
    req.org_id = f.String("org_id");
    auto from = f.String("from");
    auto to = f.String("to");
    req.format = f.String("format").value_or("ndjson");
    FieldErrors errors = f.errors();
    if (!exports::IsExportFormat(req.format)) errors["format"] = "must be ndjson or csv";
    if (from && !(req.from = ParseTime(*from))) errors["from"] = "must be an RFC 3339 timestamp";
    if (to && !(req.to = ParseTime(*to))) errors["to"] = "must be an RFC 3339 timestamp";
    if (req.from && req.to && *req.from >= *req.to) errors["to"] = "must be after from";
    if (!errors.empty()) return respond(Fail(Status::Validation(errors), *ctx));
    if (ctx->principal.kind == Principal::Kind::kApiKey) {
      if (req.org_id && *req.org_id != ctx->principal.org_id())
        return respond(Fail(Status(Code::kPermissionDenied, "this key may not export another organization"), *ctx));
      req.org_id = ctx->principal.org_id();
    }
    if (Status a = Authorize(ctx->principal, req.org_id.value_or(""), "exports:read"); !a.ok())
      return respond(Fail(a, *ctx));
    if (req.org_id && !s.reads->GetOrg(*req.org_id))
      return respond(Fail(Status(Code::kNotFound, "organization not found"), *ctx));

    // Writing the file reads the whole log range: off the reactor thread.
    auto job = [&s, ctx, respond, req]() {
      Millis now = NowMillis();
      std::string id = NewId("exp", now);
      auto written = s.exporter->Write(req, id, now);
      if (!written.ok()) return respond(Fail(written.status(), *ctx));
      const json& m = written->manifest;
      CommandContext cc{now, ActorOf(ctx->principal), ctx->request_id};
      ExportCreated data{id,
                         req.format,
                         req.from,
                         req.to,
                         m["event_count"].get<int64_t>(),
                         m["first_seq"].is_null() ? 0 : m["first_seq"].get<uint64_t>(),
                         m["last_seq"].is_null() ? 0 : m["last_seq"].get<uint64_t>(),
                         m["file_sha256"].get<std::string>()};
      // Global exports are recorded on the ledger's own stream (org_id "").
      std::string org_id = req.org_id.value_or("");
      RunCommand(
          *s.log,
          [&s, org_id, data, cc]() -> Result<std::vector<Event>> {
            uint64_t version = 0;
            if (!org_id.empty()) {
              auto org = s.reads->GetOrg(org_id);
              if (!org) return Status(Code::kNotFound, "organization not found");
              version = org->version;
            } else {
              std::vector<Event> stream;
              if (Status st = s.log->ReadStream("org:", 0, SIZE_MAX, &stream); !st.ok()) return st;
              version = stream.size();
            }
            return std::vector<Event>{NewEvent(cc, org_id, std::nullopt, version + 1, data)};
          },
          [ctx, respond, m, id](Result<std::vector<Event>> r) {
            if (!r.ok()) return respond(Fail(r.status(), *ctx));
            Reply reply = Reply::Json(201, m);
            reply.headers.emplace_back("Location", "/v1/exports/" + id);
            respond(std::move(reply));
          });
    };
    auto guarded = [job, ctx, respond] {
      try {
        job();
      } catch (const std::exception&) {  // off the dispatcher's guard: answer here (once)
        respond(Fail(Status(Code::kInternal, "internal error"), *ctx));
      }
    };
    if (s.blocking) return s.blocking->Post(std::move(guarded));
    guarded();
  }));

  router.Add("GET", "/v1/exports/{id}", {kNoQuery}, Authenticated(s, [&s](auto ctx, Respond respond) {
    auto m = s.exporter->Manifest(ctx->Param("id"));
    if (!m || !MaySee(ctx->principal, *m)) return respond(Fail(Status(Code::kNotFound, "export not found"), *ctx));
    if (Status a = Authorize(ctx->principal, ctx->principal.org_id(), "exports:read"); !a.ok())
      return respond(Fail(a, *ctx));
    respond(Reply::Json(200, *m));
  }));

  router.Add("GET", "/v1/exports/{id}/file", {kNoQuery}, Authenticated(s, [&s](auto ctx, Respond respond) {
    auto m = s.exporter->Manifest(ctx->Param("id"));
    if (!m || !MaySee(ctx->principal, *m)) return respond(Fail(Status(Code::kNotFound, "export not found"), *ctx));
    if (Status a = Authorize(ctx->principal, ctx->principal.org_id(), "exports:read"); !a.ok())
      return respond(Fail(a, *ctx));
    std::string format = (*m)["format"];
    Reply reply;
    reply.status = 200;
    reply.file_path = s.exporter->FilePath(ctx->Param("id"), format);
    reply.content_type = format == "csv" ? "text/csv" : "application/x-ndjson";
    respond(std::move(reply));
  }));
}

}  // namespace kl::http
