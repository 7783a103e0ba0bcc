// Process-wide logging: a level, and a format — `text` for people, `json` (one object per line)
// for log pipelines. Lines go to stderr; the per-request access lines are written in batches
// (BatchedStderrSink) so a slow log consumer never holds a request thread.
#pragma once
#include <string>

#include "domain/status.h"

namespace kl::app {

// level: trace|debug|info|warn|error|critical|off; format: text|json.
Status ConfigureLogging(const std::string& level, const std::string& format);
// Writes out the buffered access lines (before exit).
void StopLogging();

}  // namespace kl::app
