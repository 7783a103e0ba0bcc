#include "app/background_lease.h"

#include <pthread.h>
#include <unistd.h>

#include <spdlog/spdlog.h>

#include "domain/ids.h"
#include "domain/time.h"
#include "storage/pg_cursors.h"

namespace kl::app {

namespace {
constexpr const char* kLeaseName = "background";

// "<host>:<pid>:<random id>": readable in keyledger_leases, and never the same for two processes
// (a restarted node is a new holder and waits for its old lease to run out or be released).
std::string HolderName() {
  char host[256] = {};
  if (::gethostname(host, sizeof host - 1) != 0) host[0] = '\0';
  return std::string(host) + ":" + std::to_string(::getpid()) + ":" + NewId("node", NowMillis());
}
}  // namespace

// Forwards everything to the log; appends carry the current fence, or are refused without one.
class BackgroundLease::FencedLog final : public storage::EventLog {
 public:
  FencedLog(storage::EventLog& log, const BackgroundLease& lease) : log_(log), lease_(lease) {}

  void Append(std::vector<Event> events, bool durable, storage::AppendCallback done) override {
    auto fence = lease_.CurrentFence();
    if (!fence)
      return done(storage::AppendResult{
          Status(Code::kPreconditionFailed, "this node does not hold the lease for background work"), {}});
    log_.AppendFenced(std::move(events), durable, std::move(*fence), std::move(done));
  }
  void AppendFenced(std::vector<Event> events, bool durable, storage::AppendFence fence,
                    storage::AppendCallback done) override {
    log_.AppendFenced(std::move(events), durable, std::move(fence), std::move(done));
  }
  Status Read(uint64_t after_seq, size_t limit, std::vector<Event>* out) const override {
    return log_.Read(after_seq, limit, out);
  }
  Status ReadStream(const std::string& stream, uint64_t after_version, size_t limit,
                    std::vector<Event>* out) const override {
    return log_.ReadStream(stream, after_version, limit, out);
  }
  uint64_t HeadSeq() const override { return log_.HeadSeq(); }
  storage::LogHead Head() const override { return log_.Head(); }
  storage::LogStats Stats() const override { return log_.Stats(); }
  void NotifyAfter(uint64_t after_seq, std::chrono::steady_clock::time_point deadline,
                   std::function<void(uint64_t)> ready) override {
    log_.NotifyAfter(after_seq, deadline, std::move(ready));
  }
  // The log itself is stopped by its owner.

 private:
  storage::EventLog& log_;
  const BackgroundLease& lease_;
};

std::unique_ptr<BackgroundLease> BackgroundLease::ForServe(const ServeConfig& config) {
  if (config.log_uri.empty()) return std::make_unique<BackgroundLease>(nullptr, nullptr);
  storage::PgLeaseOptions options;
  options.conninfo = config.log_uri;
  options.name = kLeaseName;
  options.holder = HolderName();
  options.ttl = std::chrono::milliseconds(std::max(300, EnvInt("KEYLEDGER_LEASE_TTL_MS", 10000)));
  options.op_timeout = std::min(std::chrono::milliseconds(2000), options.ttl / 3);
  spdlog::info("background work runs on whichever node holds lease \"{}\" (this node: {}, time to live {} ms)",
               kLeaseName, options.holder, options.ttl.count());
  auto cursors = std::make_unique<storage::PgCursors>(config.log_uri, std::chrono::milliseconds(2000));
  return std::make_unique<BackgroundLease>(std::make_unique<storage::PgLease>(std::move(options)),
                                           std::move(cursors));
}

BackgroundLease::BackgroundLease(std::unique_ptr<storage::PgLease> lease,
                                 std::unique_ptr<storage::SharedCursors> cursors)
    : lease_(std::move(lease)), cursors_(std::move(cursors)) {}

BackgroundLease::~BackgroundLease() { Stop(); }

storage::EventLog& BackgroundLease::Log(storage::EventLog& log) {
  if (!lease_) return log;
  if (!fenced_) fenced_ = std::make_unique<FencedLog>(log, *this);
  return *fenced_;
}

std::optional<storage::AppendFence> BackgroundLease::CurrentFence() const {
  std::lock_guard lock(mu_);
  if (!grant_ || std::chrono::steady_clock::now() >= grant_->valid_until) return std::nullopt;
  return storage::AppendFence{kLeaseName, grant_->token};
}

void BackgroundLease::Start(std::vector<LeasedJob> jobs) {
  {
    std::lock_guard lock(mu_);
    if (started_ || stopping_) return;
    started_ = true;
  }
  jobs_ = std::move(jobs);
  if (!lease_) return StartJobs();
  keeper_ = std::thread([this] {
    pthread_setname_np(pthread_self(), "kl-lease");  // for top and perf
    KeepLoop();
  });
}

void BackgroundLease::Stop() {
  {
    std::lock_guard lock(mu_);
    if (stopping_) return;
    stopping_ = true;
  }
  cv_.notify_all();
  if (keeper_.joinable()) keeper_.join();
  bool held = running_;
  StopJobs();
  if (lease_ && held) {
    {
      std::lock_guard lock(mu_);
      grant_.reset();
    }
    if (Status s = lease_->Release(); !s.ok())
      spdlog::warn("the lease for background work was not released (another node takes it once it runs out): {}",
                   s.message());
  }
}

void BackgroundLease::StartJobs() {
  if (running_) return;
  running_ = true;
  for (auto& job : jobs_) job.start();
}

void BackgroundLease::StopJobs() {
  if (!running_) return;
  running_ = false;
  for (auto it = jobs_.rbegin(); it != jobs_.rend(); ++it) it->stop();
}

void BackgroundLease::KeepLoop() {
  const auto renew_every = lease_->options().ttl / 4;
  std::string last_error;
  for (;;) {
    {
      std::lock_guard lock(mu_);
      if (stopping_) break;
    }
    auto got = lease_->AcquireOrRenew();
    const auto now = std::chrono::steady_clock::now();
    bool held = false;
    if (got.ok() && *got) {
      held = true;
      last_error.clear();
      std::lock_guard lock(mu_);
      if (!running_ || !grant_ || grant_->token != (*got)->token)
        spdlog::info("this node holds the lease for background work (fencing token {})", (*got)->token);
      grant_ = **got;
    } else if (got.ok()) {
      last_error.clear();
      std::lock_guard lock(mu_);
      grant_.reset();  // another node holds it
    } else {
      if (got.status().message() != last_error) spdlog::warn("{}", got.status().message());
      last_error = got.status().message();
      std::lock_guard lock(mu_);
      held = grant_ && now < grant_->valid_until;  // not renewed, but not run out yet either
      if (!held) grant_.reset();
    }
    if (held) {
      StartJobs();
    } else if (running_) {
      spdlog::warn("this node lost the lease for background work: its background jobs stop");
      StopJobs();
    }
    std::unique_lock lock(mu_);
    auto wake = now + renew_every;
    if (grant_) wake = std::min(wake, grant_->valid_until);
    cv_.wait_until(lock, wake, [&] { return stopping_; });
  }
}

}  // namespace kl::app
