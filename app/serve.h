#pragma once
#include <cstdint>
#include <string>

namespace kl::app {

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
  bool webhook_allow_insecure = false;  // http:// and private addresses for webhooks
  int webhook_retry_base_ms = 1000;
  int64_t webhook_disable_after_ms = 24LL * 3600 * 1000;  // keys kept in memory for validation and authentication
};

// Runs the service until SIGINT/SIGTERM; returns the process exit code.
int RunServe(const ServeConfig& config);

}  // namespace kl::app
