// Flags of `serve` declared next to the settings they fill (app/serve.h).
#include <cstdlib>
#include <string>

#include <CLI/CLI.hpp>

#include "app/serve.h"

namespace kl::app {

int EnvInt(const char* name, int fallback) {
  const char* v = std::getenv(name);
  if (!v || !*v) return fallback;
  char* end = nullptr;
  long n = std::strtol(v, &end, 10);
  return end && *end == '\0' && n >= 0 && n <= 86400000 ? static_cast<int>(n) : fallback;
}

size_t EnvSize(const char* name, size_t fallback) {
  const char* v = std::getenv(name);
  if (!v || !*v) return fallback;
  char* end = nullptr;
  unsigned long long n = std::strtoull(v, &end, 10);
  return end && *end == '\0' && n >= (1u << 20) ? static_cast<size_t>(n) : fallback;
}

void AddReliabilityFlags(CLI::App* serve_cmd, ServeConfig& config) {
  serve_cmd
      ->add_option("--request-deadline-ms", config.request_deadline_ms,
                   "refuse (503, not applied) a change still waiting to be committed this long after its request "
                   "was read; 0: none")
      ->capture_default_str()
      ->check(CLI::Range(0, 3600000))
      ->envname("KEYLEDGER_REQUEST_DEADLINE_MS");
  serve_cmd
      ->add_option("--slow-commit-ms", config.slow_commit_ms,
                   "log a warning when a commit waits this long for the database")
      ->capture_default_str()
      ->check(CLI::Range(1, 3600000))
      ->envname("KEYLEDGER_SLOW_COMMIT_MS");
  serve_cmd
      ->add_option("--key-cache-bytes", config.key_cache_bytes,
                   "bound of the key-state cache in bytes (about 2 KB per cached key)")
      ->capture_default_str()
      ->check(CLI::Range(size_t{1} << 20, size_t{1} << 40))
      ->envname("KEYLEDGER_KEY_CACHE_BYTES");
}

void AddClusterFlags(CLI::App* serve_cmd, ServeConfig& config) {
  serve_cmd
      ->add_option("--max-staleness-ms", config.max_staleness_ms,
                   "a cluster node answers validations 503 once its view of the log is older than this "
                   "(it could not reach the log)")
      ->capture_default_str()
      ->check(CLI::Range(500, 86400000))
      ->envname("KEYLEDGER_MAX_STALENESS_MS");
  serve_cmd
      ->add_option("--signing-key", config.signing_key_file,
                   "the ledger's signing key (Ed25519 private key, PEM), the same file on every node of a cluster; "
                   "default: <data-dir>/signing.pem, made on first start")
      ->check(CLI::ExistingFile)
      ->envname("KEYLEDGER_SIGNING_KEY");
}

void AddWidgetFlags(CLI::App* serve_cmd, ServeConfig& config) {
  serve_cmd
      ->add_option("--widget-key", config.widget_key_file,
                   "the key that signs widget tokens (P-256 private key, PEM), the same file on every node of a "
                   "cluster; default: <data-dir>/widget.pem, made on first start (a cluster node without it serves "
                   "no widget)")
      ->check(CLI::ExistingFile)
      ->envname("KEYLEDGER_WIDGET_KEY");
  serve_cmd
      ->add_option("--widget-origin", config.widget_origins,
                   "an origin (scheme://host[:port]) whose pages may call the widget routes (CORS); repeatable; "
                   "none by default")
      ->delimiter(',')
      ->envname("KEYLEDGER_WIDGET_ORIGINS");
  serve_cmd
      ->add_option("--widget-token-ttl-s", config.widget_token_ttl_s, "how long a widget token lives, in seconds")
      ->capture_default_str()
      ->check(CLI::Range(1, 86400))
      ->envname("KEYLEDGER_WIDGET_TOKEN_TTL_S");
  serve_cmd
      ->add_option("--widget-creates-per-minute", config.widget_creates_per_minute,
                   "how many keys one widget token may create per minute")
      ->capture_default_str()
      ->check(CLI::Range(1, 100000))
      ->envname("KEYLEDGER_WIDGET_CREATES_PER_MINUTE");
  serve_cmd
      ->add_option("--widget-permission", config.widget_permissions,
                   "a permission every organization's widget offers for new keys, besides those its keys carry; "
                   "repeatable")
      ->delimiter(',')
      ->envname("KEYLEDGER_WIDGET_PERMISSIONS");
}

}  // namespace kl::app
