#include "storage/event_log.h"

#include <future>

namespace kl::storage {

AppendResult EventLog::AppendAndWait(std::vector<Event> events, bool durable) {
  std::promise<AppendResult> promise;
  auto future = promise.get_future();
  Append(std::move(events), durable, [&promise](AppendResult r) { promise.set_value(std::move(r)); });
  return future.get();
}

}  // namespace kl::storage
