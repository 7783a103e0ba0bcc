// Runs a command the event-sourced way: read the current state, decide, append with the
// versions decide saw; when another writer got there first, read again and decide again.
#pragma once
#include <functional>
#include <vector>

#include "domain/event.h"
#include "domain/status.h"
#include "storage/event_log.h"

namespace kl::http {

// decide(): re-run on every attempt against fresh state; an empty vector appends nothing.
using Decide = std::function<Result<std::vector<Event>>()>;
// done(): gets the sealed events (empty if decide produced none) or the failure.
using Done = std::function<void(Result<std::vector<Event>>)>;

void RunCommand(storage::EventLog& log, Decide decide, Done done, int attempts_left = 8);

}  // namespace kl::http
