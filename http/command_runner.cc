#include "http/command_runner.h"

namespace kl::http {

void RunCommand(storage::EventLog& log, Decide decide, Done done, int attempts_left) {
  auto decided = decide();
  if (!decided.ok()) return done(decided.status());
  if (decided->empty()) return done(std::vector<Event>{});
  // Lifecycle events are always durable: the callback runs after the fsync.
  log.Append(std::move(decided.value()), /*durable=*/true,
             [&log, decide = std::move(decide), done = std::move(done), attempts_left](storage::AppendResult r) mutable {
               if (r.status.code() == Code::kConflict && attempts_left > 1)
                 return RunCommand(log, std::move(decide), std::move(done), attempts_left - 1);
               if (!r.status.ok()) return done(r.status);
               done(std::move(r.events));
             });
}

}  // namespace kl::http
