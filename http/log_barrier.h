// A cluster node's barrier (docs/cluster.md, "Idempotency across nodes"): runs `then` once this
// node's projections hold every event the shared log had committed when it was called, or with
// kUnavailable when the log cannot be read in time. `then` may run on another thread. The app
// layer, which follows the log, provides it; an embedded node has none (its projections are
// folded with every commit, so they are always current).
#pragma once
#include <functional>

#include "domain/status.h"

namespace kl::http {

using LogBarrier = std::function<void(std::function<void(Status)> then)>;

}  // namespace kl::http
