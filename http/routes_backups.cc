// POST /v1/admin/backups: an online backup of the data directory (admin only),
// a RocksDB checkpoint taken while the service runs (docs/operations.md, "Backup and restore").
#include "domain/ids.h"
#include "domain/time.h"
#include "http/auth.h"
#include "http/route_helpers.h"
#include "http/routes.h"

namespace kl::http {

void RegisterBackupRoutes(Router& router, Services& s) {
  router.Add("POST", "/v1/admin/backups", {kNoQuery}, Authenticated(s, [&s](auto ctx, Respond respond) {
    if (Status a = RequireAdmin(ctx->principal); !a.ok()) return respond(Fail(a, *ctx));
    if (Status b = NoBody(*ctx); !b.ok()) return respond(Fail(b, *ctx));
    if (!s.backups) return respond(Fail(Status(Code::kUnavailable, "backups are not configured"), *ctx));
    Millis now = NowMillis();
    // The checkpoint hard-links and copies files: off the reactor thread.
    auto job = [&s, ctx, respond, now] {
      try {
        // Read first: every event up to this head is in the backup (it may hold a few more).
        storage::LogHead head = s.log->Head();
        auto made = s.backups->Create(NewId("bkp", now));
        if (!made.ok()) return respond(Fail(made.status(), *ctx));
        respond(Reply::Json(201, {{"id", made->id},
                                  {"path", made->path},
                                  {"created_at", FormatTime(now)},
                                  {"contains_through_seq", head.seq}}));
      } catch (const std::exception&) {
        respond(Fail(Status(Code::kInternal, "internal error"), *ctx));
      }
    };
    if (s.blocking) return s.blocking->Post(std::move(job));
    job();
  }));
}

}  // namespace kl::http
