#include "app/serve.h"

#include "app/logging.h"

#include <signal.h>
#include <sys/stat.h>

#include <filesystem>
#include <thread>

#include <spdlog/spdlog.h>

#include "app/admin_token.h"
#include "app/background_lease.h"
#include "app/cluster_log.h"
#include "app/signing_key.h"
#include "app/widget_key.h"
#include "app/workers.h"
#include "exports/exporter.h"
#include "http/server.h"
#include "projections/projector.h"
#include "projections/read_model.h"
#include "projections/validation_index.h"
#include "storage/backup.h"
#include "storage/database.h"
#include "storage/rocks_log.h"
#include "projections/webhook_projection.h"
#include "webhooks/delivery_store.h"
#include "webhooks/dispatcher.h"
#include "webhooks/sender.h"

namespace kl::app {

int RunServe(const ServeConfig& config) {
  // Block the stop signals in every thread we are about to start; main waits for them below.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGINT);
  sigaddset(&stop_signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);
  signal(SIGPIPE, SIG_IGN);

  if (Status s = ConfigureLogging(config.log_level, config.log_format); !s.ok()) {
    spdlog::critical("{}", s.message());
    return 2;
  }
  struct LoggingStop {
    ~LoggingStop() { StopLogging(); }  // every line queued so far reaches stderr, on every exit path
  } logging_stop;

  std::error_code ec;
  std::filesystem::create_directories(config.data_dir, ec);
  if (ec) {
    spdlog::critical("cannot create the data directory {}: {}", config.data_dir, ec.message());
    return 1;
  }
  ::chmod(config.data_dir.c_str(), 0700);

  std::string token_file;
  auto admin_hash = LoadAdminTokenHash(config.data_dir, &token_file);
  if (!admin_hash.ok()) {
    spdlog::critical("{}", admin_hash.status().message());
    return 1;
  }
  if (!token_file.empty()) spdlog::info("admin token is in {}", token_file);

  auto signer = LoadOrCreateSigningKey(config.data_dir, config.signing_key_file);
  if (!signer.ok()) {
    spdlog::critical("{}", signer.status().message());
    return 1;
  }

  // Never the signing key: a widget token's key signs nothing else (docs/widgets.md).
  auto widget_key = LoadWidgetKey(config.data_dir, config.widget_key_file, /*generate=*/config.log_uri.empty());
  if (!widget_key.ok()) {
    spdlog::critical("{}", widget_key.status().message());
    return 1;
  }
  if (!*widget_key)
    spdlog::warn("no --widget-key: this cluster node serves no widget (its widget routes answer 503); give every "
                 "node the same key file to enable it (docs/widgets.md)");

  auto db = storage::Database::Open(config.data_dir + "/db", projections::ColumnFamilies());
  if (!db.ok()) {
    spdlog::critical("{}", db.status().message());
    return 1;
  }
  // Projections of an older format are dropped here and refolded from the log by CatchUp below.
  if (auto dropped = projections::DropStaleProjections(**db); !dropped.ok()) {
    spdlog::critical("refusing to start: {}", dropped.status().message());
    return 1;
  } else if (*dropped) {
    spdlog::warn("projections were written in an older format: rebuilding them from the log");
  }
  projections::UsageTracker usage;
  projections::StateCache cache(config.key_cache_size, config.key_cache_bytes);
  projections::ReadModel reads(db->get(), &usage, &cache);
  // The validation hot path's index, filled from the raw projection (no usage overlay: the index
  // applies committed usage events itself) and kept current by the projector's commit hook.
  projections::ValidationIndex index(
      config.key_cache_size, [&reads](const Hash32& h) { return reads.LoadKeyByHash(h); },
      [&reads](const std::string& id) { return reads.LoadOrg(id); });
  projections::Projector projector(db->get(), &usage, &cache, &index);
  auto log = OpenServeLog(config, db->get(), &projector);  // embedded, or the cluster's (--log)
  if (!log.ok()) {
    spdlog::critical("refusing to start: {}", log.status().message());
    return 1;
  }
  // CatchUp, not Rebuild, even for empty projections: it folds in bounded batches, where a rebuild
  // holds every key's state in memory (3.3 GB for a 1M-key log, measured). `keyledger replay` is
  // the fast path when that memory is there.
  auto caught_up = projector.CatchUp(**log);
  if (!caught_up.ok()) {
    spdlog::critical("refusing to start: projections cannot fold the log: {}", caught_up.status().message());
    return 1;
  }
  if (*caught_up > 0) spdlog::info("projections folded {} events the checkpoint had not seen", *caught_up);
  StartFollowing(**log);
  auto freshness = MakeViewFreshness(**log, config);  // null on the embedded log

  http::Services services;
  services.index = &index;
  services.log = log->get();
  services.reads = &reads;
  services.freshness = freshness.get();
  services.log_barrier = MakeLogBarrier(**log);  // empty on the embedded log
  if (config.usage_flush_ms > 0) services.usage = &usage;
  UsageFlusher flusher(**log, reads, usage, std::chrono::milliseconds(std::max(1, config.usage_flush_ms)));
  // Cluster-wide jobs run on the lease holder only, and append fenced (docs/cluster.md).
  auto lease = BackgroundLease::ForServe(config);
  ExpirySweeper sweeper(lease->Log(**log), reads, std::chrono::milliseconds(250));
  if (config.usage_flush_ms > 0) flusher.Start();
  services.admin_token_hash_hex = *admin_hash;
  services.signer = *signer;
  exports::Exporter exporter(**log, *signer, config.data_dir + "/exports");
  services.exporter = &exporter;
  // Backups hold the signing key, so exports and the ledger head stay verifiable under the same
  // key id after a restore; never the admin token (a restored service is given one anew).
  storage::Backups backups((*db)->db(), config.data_dir + "/backups", {config.data_dir + "/signing.pem"});
  services.backups = &backups;
  http::BlockingWork blocking;
  services.blocking = &blocking;
  // Webhook secrets derive from the signing key (see domain/webhook_secret.h): none is stored.
  WebhookSecrets webhook_secrets((*signer)->DeriveSecret(kWebhookMasterLabel));
  projections::WebhookReads webhook_reads(db->get());
  webhooks::DeliveryStore deliveries(db->get(), lease->SharedCursors());  // shared by a cluster's nodes
  services.webhooks = &webhook_reads;
  services.deliveries = &deliveries;
  services.webhook_secrets = &webhook_secrets;
  services.webhook_allow_insecure = config.webhook_allow_insecure;
  services.widgets.key = *widget_key;
  services.widgets.origins = config.widget_origins;
  services.widgets.token_ttl_s = config.widget_token_ttl_s;
  services.widgets.permissions = config.widget_permissions;
  services.widgets.limiter = std::make_shared<http::widgets::CreateLimiter>(config.widget_creates_per_minute);
  webhooks::GlobalInit();
  webhooks::DispatcherOptions dispatch_options;
  dispatch_options.retry_base = std::chrono::milliseconds(config.webhook_retry_base_ms);
  dispatch_options.disable_after = std::chrono::milliseconds(config.webhook_disable_after_ms);
  dispatch_options.allow_insecure = config.webhook_allow_insecure;
  webhooks::Dispatcher dispatcher(lease->Log(**log), reads, webhook_reads, deliveries, webhook_secrets,
                                  dispatch_options);
  lease->Start({{[&] { sweeper.Start(); }, [&] { sweeper.Stop(); }},
                {[&] { dispatcher.Start(); }, [&] { dispatcher.Stop(); }}});
  struct StopLease {  // before the jobs it starts are destroyed, on every exit path
    BackgroundLease& l;
    ~StopLease() { l.Stop(); }
  } stop_lease{*lease};

  int threads = config.threads > 0 ? config.threads : static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  http::ServerOptions server_options;
  server_options.listen = config.listen;
  server_options.threads = threads;
  server_options.tls_cert = config.tls_cert;
  server_options.tls_key = config.tls_key;
  server_options.header_timeout_ms = config.header_timeout_ms;
  server_options.body_timeout_ms = config.body_timeout_ms;
  server_options.idle_timeout_ms = config.idle_timeout_ms;
  server_options.max_connections = config.max_connections;
  server_options.request_deadline_ms = config.request_deadline_ms;
  http::Server server(services, server_options);
  if (Status s = server.Start(); !s.ok()) {
    spdlog::critical("{}", s.message());
    return 1;
  }
  services.ready = true;
  spdlog::info("keyledger listening on {}://{} (log head seq {})", config.tls_cert.empty() ? "http" : "https",
               config.listen, (*log)->HeadSeq());

  int sig = 0;
  sigwait(&stop_signals, &sig);
  spdlog::info("received signal {}, shutting down", sig);
  services.ready = false;
  server.Shutdown();    // stop accepting; in-flight requests end with it
  blocking.Stop();      // queued exports finish (they append to the log, stopped below)
  flusher.Stop();       // a clean shutdown loses no usage
  lease->Stop();        // the sweeper; the dispatcher's transfers in flight are cancelled (their events stay pending)
  (*log)->Stop();       // every queued append is written and answered
  if (Status s = (*db)->Close(); !s.ok()) {
    spdlog::error("closing RocksDB: {}", s.message());
    return 1;
  }
  spdlog::info("stopped cleanly");
  return 0;
}

}  // namespace kl::app
