// Delivers each active webhook's events (docs/webhooks.md): one worker thread per active webhook walks
// the log from the webhook's durable cursor, in log order, POSTing the events of its org that
// it subscribes to. A failing receiver is retried with exponential backoff and jitter, and after
// `disable_after` of failures the webhook is disabled by a WebhookDisabled event (actor system).
// Workers never touch the request path: a dead receiver delays only its own webhook.
#pragma once
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <map>
#include <memory>
#include <mutex>
#include <thread>

#include "domain/webhook_secret.h"
#include "projections/read_model.h"
#include "projections/webhook_projection.h"
#include "storage/event_log.h"
#include "webhooks/delivery_store.h"

namespace kl::webhooks {

struct DispatcherOptions {
  std::chrono::milliseconds retry_base{1000};        // first retry delay, doubling
  std::chrono::milliseconds retry_max{3600 * 1000};  // ceiling of the delay
  std::chrono::milliseconds disable_after{24LL * 3600 * 1000};
  std::chrono::milliseconds timeout{10000};          // per delivery
  bool allow_insecure = false;
};

class Dispatcher {
 public:
  Dispatcher(storage::EventLog& log, const projections::ReadModel& reads, const projections::WebhookReads& webhooks,
             DeliveryStore& store, WebhookSecrets secrets, DispatcherOptions options);
  ~Dispatcher();
  void Start();  // may be called again after Stop()
  void Stop();   // aborts transfers in flight and joins every worker

 private:
  struct Worker;
  void Supervise();
  void Deliver(const std::shared_ptr<Worker>& worker);
  // False when the worker must stop (stopping, the webhook changed, or it was disabled).
  bool Backoff(Worker& worker, std::chrono::milliseconds& delay);
  void DisableForFailures(const WebhookState& webhook, const std::string& last_error);

  storage::EventLog& log_;
  const projections::ReadModel& reads_;
  const projections::WebhookReads& webhooks_;
  DeliveryStore& store_;
  WebhookSecrets secrets_;
  DispatcherOptions options_;

  std::mutex mu_;
  std::condition_variable cv_;
  bool stopping_ = false;
  std::thread supervisor_;
  std::map<std::string, std::shared_ptr<Worker>> workers_;  // by webhook id (supervisor only)
};

}  // namespace kl::webhooks
