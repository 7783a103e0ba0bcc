#include "webhooks/dispatcher.h"

#include <random>
#include <set>

#include <spdlog/spdlog.h>

#include "domain/ids.h"
#include "domain/time.h"
#include "domain/webhook.h"
#include "events/json.h"
#include "webhooks/sender.h"

namespace kl::webhooks {

using namespace std::chrono_literals;

struct Dispatcher::Worker {
  explicit Worker(WebhookState w) : webhook(std::move(w)) {}
  const WebhookState webhook;  // url and event types never change; status is re-read
  std::atomic<bool> stop{false};
  std::atomic<bool> done{false};  // finished by itself (disabled, deleted)
  std::mutex mu;
  std::condition_variable cv;
  bool woken = false;
  std::thread thread;

  void Wake() {
    std::lock_guard lock(mu);
    woken = true;
    cv.notify_all();
  }
  // Waits until woken, stopped or `deadline`; false when stopped.
  bool WaitUntil(std::chrono::steady_clock::time_point deadline) {
    std::unique_lock lock(mu);
    cv.wait_until(lock, deadline, [&] { return woken || stop.load(); });
    woken = false;
    return !stop.load();
  }
};

Dispatcher::Dispatcher(storage::EventLog& log, const projections::ReadModel& reads,
                       const projections::WebhookReads& webhooks, DeliveryStore& store, WebhookSecrets secrets,
                       DispatcherOptions options)
    : log_(log), reads_(reads), webhooks_(webhooks), store_(store), secrets_(secrets), options_(options) {}

Dispatcher::~Dispatcher() { Stop(); }

void Dispatcher::Start() {
  {
    std::lock_guard lock(mu_);
    if (supervisor_.joinable()) return;
    stopping_ = false;  // started again after a Stop (a cluster node that regained the lease)
  }
  supervisor_ = std::thread([this] { Supervise(); });
}

void Dispatcher::Stop() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
    cv_.notify_all();
  }
  if (supervisor_.joinable()) supervisor_.join();
}

// Reconciles workers with the webhooks read model: one worker per active webhook. The read
// model is tiny, so a short poll is simpler and sturdier than hooking the projector.
void Dispatcher::Supervise() {
  auto stop_worker = [](Worker& w) {
    w.stop = true;
    w.Wake();
    if (w.thread.joinable()) w.thread.join();
  };
  for (;;) {
    std::map<std::string, WebhookState> active;
    std::set<std::string> existing;
    for (auto& w : webhooks_.All()) {
      existing.insert(w.id);
      if (w.status == "active") active.emplace(w.id, std::move(w));
    }
    for (auto it = workers_.begin(); it != workers_.end();) {
      if (active.count(it->first) && !it->second->done) {
        ++it;
        continue;
      }
      stop_worker(*it->second);
      if (!existing.count(it->first)) (void)store_.Erase(it->first);  // deleted: its cursor goes too
      it = workers_.erase(it);
    }
    for (auto& [id, w] : active) {
      if (workers_.count(id)) continue;
      auto worker = std::make_shared<Worker>(w);
      worker->thread = std::thread([this, worker] { Deliver(worker); });
      workers_.emplace(id, std::move(worker));
    }
    std::unique_lock lock(mu_);
    if (cv_.wait_for(lock, 200ms, [&] { return stopping_; })) break;
  }
  for (auto& [id, w] : workers_) {
    w->stop = true;
    w->Wake();
  }
  for (auto& [id, w] : workers_) stop_worker(*w);
  workers_.clear();
}

bool Dispatcher::Backoff(Worker& worker, std::chrono::milliseconds& delay) {
  // Full delay halved plus a random half: retries of many webhooks do not land together.
  thread_local std::mt19937_64 rng(std::random_device{}());
  auto half = delay / 2;
  auto sleep = half + std::chrono::milliseconds(std::uniform_int_distribution<int64_t>(0, half.count())(rng));
  if (!worker.WaitUntil(std::chrono::steady_clock::now() + sleep)) return false;
  delay = std::min(delay * 2, options_.retry_max);
  auto now = webhooks_.Get(worker.webhook.org_id, worker.webhook.id);
  if (!now || now->status != "active") {
    worker.done = true;
    return false;
  }
  return true;
}

void Dispatcher::DisableForFailures(const WebhookState& webhook, const std::string& last_error) {
  std::string reason = "deliveries failed for " + std::to_string(options_.disable_after.count() / 1000) +
                       " s; last error: " + last_error;
  for (int attempt = 0; attempt < 8; ++attempt) {
    auto org = reads_.GetOrg(webhook.org_id);
    auto current = webhooks_.Get(webhook.org_id, webhook.id);
    if (!org || !current || current->status != "active") return;
    Millis now = NowMillis();
    CommandContext ctx{now, Actor{"system", "webhooks"}, NewId("req", now)};
    auto events = DecideSetWebhookStatus(*org, *current, std::string("disabled"), {}, reason, ctx);
    if (!events.ok() || events->empty()) return;
    auto r = log_.AppendAndWait(std::move(*events), true);
    if (r.status.ok()) {
      spdlog::warn("webhook {} of org {} disabled after failing deliveries", webhook.id, webhook.org_id);
      return;
    }
    if (r.status.code() != Code::kConflict) {
      spdlog::error("webhook {}: cannot append WebhookDisabled: {}", webhook.id, r.status.message());
      return;
    }
  }
}

void Dispatcher::Deliver(const std::shared_ptr<Worker>& worker) {
  const WebhookState& w = worker->webhook;
  const std::string secret = secrets_.SecretFor(w.id);
  DeliveryState fresh;
  fresh.cursor = w.created_seq;
  DeliveryState st = store_.LoadToResume(w.id).value_or(fresh);
  if (st.cursor < w.created_seq) st.cursor = w.created_seq;
  // A worker starts when the webhook becomes active: re-enabling grants a fresh failure window.
  st.failing_since.reset();
  SendOptions send{options_.timeout, options_.allow_insecure, &worker->stop};
  std::chrono::milliseconds delay = options_.retry_base;
  std::vector<Event> batch;
  while (!worker->stop) {
    batch.clear();
    if (Status s = log_.Read(st.cursor, 256, &batch); !s.ok()) {
      spdlog::error("webhook {}: cannot read the log: {}", w.id, s.message());
      worker->WaitUntil(std::chrono::steady_clock::now() + 1s);
      continue;
    }
    if (batch.empty()) {
      // Caught up: sleep until the log grows (or a second passes, to notice a status change).
      std::weak_ptr<Worker> weak = worker;
      log_.NotifyAfter(st.cursor, std::chrono::steady_clock::now() + 1s, [weak](uint64_t) {
        if (auto w = weak.lock()) w->Wake();
      });
      worker->WaitUntil(std::chrono::steady_clock::now() + 2s);
      if (auto now = webhooks_.Get(w.org_id, w.id); !now || now->status != "active") break;
      continue;
    }
    for (const Event& e : batch) {
      if (worker->stop) break;
      // The webhook's own history is in the log it walks: nothing after its deletion goes out,
      // and it pauses at its disabling (unless enabled again since), resuming there later.
      if (const std::string* id = WebhookIdOf(e.data); id && *id == w.id && e.org_id == w.org_id) {
        bool deleted = std::holds_alternative<WebhookDeleted>(e.data);
        if (deleted || std::holds_alternative<WebhookDisabled>(e.data)) {
          auto now = webhooks_.Get(w.org_id, w.id);
          if (deleted || !now || now->status != "active") {
            worker->done = true;
            break;
          }
        }
      }
      if (e.org_id != w.org_id || !w.Wants(EventTypeName(e.data))) {
        st.cursor = e.seq;  // not for this webhook: handled
        continue;
      }
      const std::string body = events::ToJson(e).dump();
      for (;;) {
        Millis now = NowMillis();
        std::vector<std::pair<std::string, std::string>> headers = {
            {"Keyledger-Event-Id", e.id},
            {"Keyledger-Signature", WebhookSignatureHeader(secret, now / 1000, body)}};
        SendResult r = Send(w.url, headers, body, send);
        now = NowMillis();
        if (r.delivered) {
          st.cursor = e.seq;
          st.last_delivery_at = now;
          st.last_error.reset();
          st.failing_since.reset();
          delay = options_.retry_base;
          (void)store_.Save(w.id, st);
          break;
        }
        if (worker->stop) break;  // cancelled mid-transfer: the event stays pending
        st.last_error = r.error;
        if (!st.failing_since) st.failing_since = now;
        (void)store_.Save(w.id, st);
        if (now - *st.failing_since >= options_.disable_after.count()) {
          DisableForFailures(w, r.error);
          worker->done = true;
          return;
        }
        if (!Backoff(*worker, delay)) break;
      }
      if (worker->stop || worker->done) break;
    }
    (void)store_.Save(w.id, st);
    if (worker->done) break;
  }
  (void)store_.Save(w.id, st);
  worker->done = true;
}

}  // namespace kl::webhooks
