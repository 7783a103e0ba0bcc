#include "http/command_runner.h"

#include <spdlog/spdlog.h>

#include "storage/append_deadline.h"

namespace kl::http {

void RunCommand(storage::EventLog& log, Decide decide, Done done, int attempts_left) {
  // A retry runs on the log's writer thread, where nothing would answer the request if decide()
  // threw: every failure becomes an answer here.
  Result<std::vector<Event>> decided = Status(Code::kInternal, "internal error");
  try {
    decided = decide();
  } catch (const std::exception& e) {
    spdlog::error("a command failed: {}", e.what());
    return done(Status(Code::kInternal, "internal error"));
  }
  if (!decided.ok()) return done(decided.status());
  if (decided->empty()) return done(std::vector<Event>{});
  // Lifecycle events are always durable: the callback runs after the fsync. A retry runs on
  // another thread: it carries the request's append deadline there (storage/append_deadline.h).
  log.Append(std::move(decided.value()), /*durable=*/true,
             [&log, decide = std::move(decide), done = std::move(done), attempts_left,
              deadline = storage::CurrentAppendDeadline()](storage::AppendResult r) mutable {
               if (r.status.code() == Code::kConflict && attempts_left > 1) {
                 storage::ScopedAppendDeadline scope(deadline);
                 return RunCommand(log, std::move(decide), std::move(done), attempts_left - 1);
               }
               if (!r.status.ok()) return done(r.status);
               done(std::move(r.events));
             });
}

}  // namespace kl::http
