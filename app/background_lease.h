// Cluster-wide background work on one node at a time (docs/cluster.md, "Background work").
//
// On a cluster node, a keeper thread takes or renews one lease in PostgreSQL
// (storage::PgLease, named "background") every quarter of its time to live. While this node holds
// it, the jobs run; when the lease is lost (another node holds it, or it could not be renewed
// before it ran out) they are stopped. Every append the jobs make goes through Log(), which puts
// the lease's fencing token on it: PgLog commits it only while the token is current, so a node
// that lost the lease without knowing it (paused, partitioned) cannot append after another took
// over. Embedded, there is no lease: the jobs run from Start to Stop and append unfenced.
#pragma once
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <thread>
#include <vector>

#include "app/serve.h"
#include "storage/event_log.h"
#include "storage/pg_lease.h"
#include "storage/shared_cursors.h"

namespace kl::app {

// A job that runs only while this node holds the lease: started on gaining it, stopped on losing it.
struct LeasedJob {
  std::function<void()> start;
  std::function<void()> stop;
};

class BackgroundLease {
 public:
  // The lease for `serve`: none for the embedded log; on a cluster node, a lease whose time to
  // live is KEYLEDGER_LEASE_TTL_MS (10 s by default), held under a name unique to this process.
  static std::unique_ptr<BackgroundLease> ForServe(const ServeConfig& config);
  // `lease` null: embedded.
  BackgroundLease(std::unique_ptr<storage::PgLease> lease, std::unique_ptr<storage::SharedCursors> cursors);
  ~BackgroundLease();
  BackgroundLease(const BackgroundLease&) = delete;
  BackgroundLease& operator=(const BackgroundLease&) = delete;

  // The log the jobs append through: `log` itself when embedded; on a cluster node, `log` with
  // every append fenced by the current token (refused with kPreconditionFailed while not held).
  // The same adapter for the same log, for as long as this object lives.
  storage::EventLog& Log(storage::EventLog& log);
  // Where the jobs keep positions the next holder resumes from (a webhook's delivery cursor);
  // null when embedded.
  storage::SharedCursors* SharedCursors() { return cursors_.get(); }
  // Starts the keeper (embedded: the jobs, at once).
  void Start(std::vector<LeasedJob> jobs);
  // Stops the keeper and the jobs (in reverse order), then releases the lease so another node
  // takes it at its next attempt instead of waiting for it to run out.
  void Stop();

  // The current fence; nullopt while this node does not hold the lease (or it ran out).
  std::optional<storage::AppendFence> CurrentFence() const;

 private:
  class FencedLog;
  void KeepLoop();
  void StartJobs();
  void StopJobs();

  std::unique_ptr<storage::PgLease> lease_;
  std::unique_ptr<storage::SharedCursors> cursors_;
  std::unique_ptr<FencedLog> fenced_;
  std::vector<LeasedJob> jobs_;
  bool running_ = false;  // the jobs (keeper thread, or Start/Stop when embedded)

  mutable std::mutex mu_;
  std::condition_variable cv_;
  bool stopping_ = false;
  bool started_ = false;
  std::optional<storage::LeaseGrant> grant_;
  std::thread keeper_;
};

}  // namespace kl::app
