#pragma once
#include <cstdint>
#include <string>
#include <vector>

namespace CLI {
class App;
}

namespace kl::app {

// KEYLEDGER_<NAME> as a default, for settings whose flag a command line may not declare.
int EnvInt(const char* name, int fallback);
size_t EnvSize(const char* name, size_t fallback);

struct ServeConfig {
  std::string data_dir = "./keyledger-data";
  std::string log_uri;  // empty: the embedded log; a PostgreSQL URI: a cluster node (docs/cluster.md)
  std::string listen = "127.0.0.1:8080";
  int threads = 0;  // 0: one per core
  int usage_flush_ms = 1000;  // 0: usage recording off (benchmarks only)
  size_t key_cache_size = 200000;
  std::string log_level = "info";
  std::string log_format = "text";  // text | json
  std::string tls_cert;  // PEM certificate chain; with tls_key, serve HTTPS
  std::string tls_key;   // PEM private key
  int header_timeout_ms = 10000;
  int body_timeout_ms = 30000;
  int idle_timeout_ms = 60000;
  int max_connections = 10000;
  // Set by --request-deadline-ms and --slow-commit-ms (AddReliabilityFlags), or their
  // KEYLEDGER_* variables. 0: no processing deadline (see http::ServerOptions).
  int request_deadline_ms = EnvInt("KEYLEDGER_REQUEST_DEADLINE_MS", 0);
  int slow_commit_ms = EnvInt("KEYLEDGER_SLOW_COMMIT_MS", 1000);
  // The key-state cache's bound in bytes (--key-cache-bytes), besides --key-cache-size in keys:
  // a typical cached key takes about 2 KB (docs/performance.md, "Memory per cached key").
  size_t key_cache_bytes = EnvSize("KEYLEDGER_KEY_CACHE_BYTES", size_t{64} << 20);
  bool webhook_allow_insecure = false;  // http:// and private addresses for webhooks
  int webhook_retry_base_ms = 1000;
  int64_t webhook_disable_after_ms = 24LL * 3600 * 1000;  // keys kept in memory for validation and authentication
  // A cluster node answers validations from its projections while its view of the log is at most
  // this old, 503 past it (docs/cluster.md, "Staleness"). Set by --max-staleness-ms.
  int max_staleness_ms = EnvInt("KEYLEDGER_MAX_STALENESS_MS", 10000);
  // The ledger's signing key (PEM, Ed25519), provisioned to every node of a cluster; empty: the
  // one in <data-dir>/signing.pem, made on first start. Set by --signing-key.
  std::string signing_key_file;
  // The embedded widget (docs/widgets.md): its token key (empty: <data-dir>/widget.pem on an
  // embedded node, none on a cluster node), the origins allowed by CORS, the tokens' lifetime
  // and the creates each token may make per minute. Set by AddWidgetFlags.
  std::string widget_key_file;
  std::vector<std::string> widget_origins;
  int widget_token_ttl_s = 3600;
  int widget_creates_per_minute = 10;
  std::vector<std::string> widget_permissions;
};

// Declares --request-deadline-ms, --slow-commit-ms and --key-cache-bytes on the serve command.
void AddReliabilityFlags(CLI::App* serve_cmd, ServeConfig& config);
// Declares --max-staleness-ms and --signing-key on the serve command (docs/cluster.md).
void AddClusterFlags(CLI::App* serve_cmd, ServeConfig& config);

// Declares --widget-key, --widget-origin, --widget-token-ttl-s, --widget-creates-per-minute and
// --widget-permission on the serve command (docs/widgets.md).
void AddWidgetFlags(CLI::App* serve_cmd, ServeConfig& config);

// Runs the service until SIGINT/SIGTERM; returns the process exit code.
int RunServe(const ServeConfig& config);

}  // namespace kl::app
