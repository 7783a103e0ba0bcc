// keyledger: one binary, several subcommands (docs/spec.md, Running). Flags override KEYLEDGER_* environment
// variables, which override defaults.
#include <cstdlib>
#include <iostream>

#include <CLI/CLI.hpp>
#include <spdlog/spdlog.h>

#include "app/ledger_tools.h"
#include "app/serve.h"

namespace {

// Applies KEYLEDGER_<NAME> from the environment to an option the command line did not set.
void EnvDefault(CLI::Option* opt, const char* env) {
  opt->envname(env);
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App cli{"keyledger: a self-hosted, event-sourced API key service"};
  cli.set_version_flag("--version", std::string("keyledger ") + KEYLEDGER_VERSION);
  cli.require_subcommand(0, 1);

  kl::app::ServeConfig serve;
  auto* serve_cmd = cli.add_subcommand("serve", "run the HTTP service");
  EnvDefault(serve_cmd->add_option("--data-dir", serve.data_dir, "data directory")->capture_default_str(),
             "KEYLEDGER_DATA_DIR");
  EnvDefault(serve_cmd->add_option("--log", serve.log_uri,
                                    "the log of record: the embedded one (default), or a PostgreSQL URI "
                                    "(postgresql://...) shared by the nodes of a cluster"),
             "KEYLEDGER_LOG");
  EnvDefault(serve_cmd->add_option("--listen", serve.listen, "HOST:PORT to listen on")->capture_default_str(),
             "KEYLEDGER_LISTEN");
  EnvDefault(serve_cmd->add_option("--threads", serve.threads, "HTTP threads (default: cores)")
                 ->check(CLI::Range(0, 256)),
             "KEYLEDGER_THREADS");
  EnvDefault(serve_cmd->add_option("--usage-flush-ms", serve.usage_flush_ms,
                                    "usage flush window in ms (0 disables usage recording)")
                 ->capture_default_str()
                 ->check(CLI::Range(0, 3600000)),
             "KEYLEDGER_USAGE_FLUSH_MS");
  EnvDefault(serve_cmd->add_option("--key-cache-size", serve.key_cache_size,
                                    "keys kept in memory for validation and authentication")
                 ->capture_default_str()
                 ->check(CLI::Range(size_t{64}, size_t{100000000})),
             "KEYLEDGER_KEY_CACHE_SIZE");
  EnvDefault(serve_cmd->add_option("--log-level", serve.log_level, "trace|debug|info|warn|error|critical|off")
                 ->capture_default_str()
                 ->check(CLI::IsMember({"trace", "debug", "info", "warn", "error", "critical", "off"})),
             "KEYLEDGER_LOG_LEVEL");
  EnvDefault(serve_cmd->add_option("--log-format", serve.log_format, "text, or json (one object per line)")
                 ->capture_default_str()
                 ->check(CLI::IsMember({"text", "json"})),
             "KEYLEDGER_LOG_FORMAT");
  EnvDefault(serve_cmd->add_option("--header-timeout-ms", serve.header_timeout_ms,
                                    "a request's headers must arrive within this (408 otherwise)")
                 ->capture_default_str()
                 ->check(CLI::Range(100, 3600000)),
             "KEYLEDGER_HEADER_TIMEOUT_MS");
  EnvDefault(serve_cmd->add_option("--body-timeout-ms", serve.body_timeout_ms,
                                    "a request's body must arrive within this (408 otherwise)")
                 ->capture_default_str()
                 ->check(CLI::Range(100, 3600000)),
             "KEYLEDGER_BODY_TIMEOUT_MS");
  EnvDefault(serve_cmd->add_option("--idle-timeout-ms", serve.idle_timeout_ms,
                                    "close a keep-alive connection idle this long")
                 ->capture_default_str()
                 ->check(CLI::Range(100, 86400000)),
             "KEYLEDGER_IDLE_TIMEOUT_MS");
  EnvDefault(serve_cmd->add_option("--max-connections", serve.max_connections,
                                    "connections beyond this are answered 503 and closed")
                 ->capture_default_str()
                 ->check(CLI::Range(1, 1000000)),
             "KEYLEDGER_MAX_CONNECTIONS");
  EnvDefault(serve_cmd->add_flag("--webhook-allow-insecure", serve.webhook_allow_insecure,
                                  "allow http:// webhooks and loopback/private addresses (tests, private networks)"),
             "KEYLEDGER_WEBHOOK_ALLOW_INSECURE");
  EnvDefault(serve_cmd->add_option("--webhook-retry-base-ms", serve.webhook_retry_base_ms,
                                    "first webhook retry delay, doubling to 1 h")
                 ->capture_default_str()
                 ->check(CLI::Range(1, 3600000)),
             "KEYLEDGER_WEBHOOK_RETRY_BASE_MS");
  EnvDefault(serve_cmd->add_option("--webhook-disable-after-ms", serve.webhook_disable_after_ms,
                                    "disable a webhook whose deliveries have failed this long")
                 ->capture_default_str()
                 ->check(CLI::Range(int64_t{1}, int64_t{30} * 86400000)),
             "KEYLEDGER_WEBHOOK_DISABLE_AFTER_MS");
  auto* tls_cert = serve_cmd->add_option("--tls-cert", serve.tls_cert, "PEM certificate (chain): serve HTTPS")
                       ->check(CLI::ExistingFile);
  auto* tls_key = serve_cmd->add_option("--tls-key", serve.tls_key, "PEM private key for --tls-cert")
                      ->check(CLI::ExistingFile);
  tls_cert->needs(tls_key);
  tls_key->needs(tls_cert);
  EnvDefault(tls_cert, "KEYLEDGER_TLS_CERT");
  EnvDefault(tls_key, "KEYLEDGER_TLS_KEY");
  kl::app::AddReliabilityFlags(serve_cmd, serve);
  kl::app::AddClusterFlags(serve_cmd, serve);
  kl::app::AddWidgetFlags(serve_cmd, serve);
  std::string tools_dir = "./keyledger-data";
  auto* replay_cmd = cli.add_subcommand("replay", "rebuild every projection from the log (server stopped)");
  EnvDefault(replay_cmd->add_option("--data-dir", tools_dir, "data directory")->capture_default_str(),
             "KEYLEDGER_DATA_DIR");
  std::string tools_log;
  auto* verify_cmd = cli.add_subcommand("verify", "check both hash chains and projections == fold(log)");
  EnvDefault(verify_cmd->add_option("--data-dir", tools_dir, "data directory")->capture_default_str(),
             "KEYLEDGER_DATA_DIR");
  EnvDefault(verify_cmd->add_option("--log", tools_log,
                                     "verify this cluster log (PostgreSQL URI) instead of the data directory's"),
             "KEYLEDGER_LOG");
  kl::app::ExportOptions export_opts;
  auto* export_cmd = cli.add_subcommand("export", "write a signed export offline (FILE and FILE.manifest.json)");
  EnvDefault(export_cmd->add_option("--data-dir", export_opts.data_dir, "data directory")->capture_default_str(),
             "KEYLEDGER_DATA_DIR");
  EnvDefault(export_cmd->add_option("--log", export_opts.log_uri,
                                     "export from this cluster log (PostgreSQL URI) instead of the data directory's"),
             "KEYLEDGER_LOG");
  EnvDefault(export_cmd->add_option("--signing-key", export_opts.signing_key_file,
                                     "the ledger's signing key (PEM), required with --log; default "
                                     "<data-dir>/signing.pem")
                 ->check(CLI::ExistingFile),
             "KEYLEDGER_SIGNING_KEY");
  export_cmd->add_option("--org", export_opts.org_id, "only this organization's events");
  export_cmd->add_option("--from", export_opts.from, "recorded_at >= this RFC 3339 time");
  export_cmd->add_option("--to", export_opts.to, "recorded_at < this RFC 3339 time");
  export_cmd->add_option("--format", export_opts.format, "ndjson or csv")->capture_default_str();
  export_cmd->add_option("--out", export_opts.out, "the export file to write")->required();
  std::string ve_file, ve_manifest, ve_key;
  auto* verify_export_cmd = cli.add_subcommand("verify-export", "check an export's signature, hash and chain links");
  verify_export_cmd->add_option("file", ve_file, "the export file")->required();
  verify_export_cmd->add_option("--manifest", ve_manifest, "its manifest (default FILE.manifest.json)");
  verify_export_cmd->add_option("--public-key", ve_key, "verify against this PEM public key only");
  std::string ve_log;
  EnvDefault(verify_export_cmd->add_option("--log", ve_log,
                                            "also check that the export's last event is in this cluster log "
                                            "(PostgreSQL URI) with the same hash"),
             "KEYLEDGER_LOG");
  std::string import_from, import_log;
  auto* cluster_cmd = cli.add_subcommand("cluster", "cluster tools (docs/cluster.md)");
  cluster_cmd->require_subcommand(1, 1);
  auto* import_cmd = cluster_cmd->add_subcommand(
      "import", "move an embedded ledger (server stopped) into an empty cluster log, chains unchanged");
  import_cmd->add_option("--from", import_from, "the embedded data directory")->required()->check(CLI::ExistingDirectory);
  EnvDefault(import_cmd->add_option("--log", import_log, "the cluster log (PostgreSQL URI); must be empty")->required(),
             "KEYLEDGER_LOG");
  std::string help_topic;
  auto* help_cmd = cli.add_subcommand("help", "show this help, or a subcommand's (help SUBCOMMAND)");
  help_cmd->add_option("subcommand", help_topic, "the subcommand to describe");

  try {
    cli.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return cli.exit(e);
  }
  if (*help_cmd && !help_topic.empty()) {
    try {
      std::cout << cli.get_subcommand(help_topic)->help(cli.get_name());  // as `keyledger SUB --help`
      return 0;
    } catch (const CLI::OptionNotFound&) {
      std::cerr << "keyledger help: no subcommand named '" << help_topic << "'; see keyledger --help\n";
      return 2;
    }
  }
  if (*help_cmd || cli.get_subcommands().empty()) {
    // The top level's help, as --help prints it (App::help would describe the help subcommand).
    std::cout << cli.get_formatter()->make_help(&cli, cli.get_name(), CLI::AppFormatMode::Normal);
    return 0;
  }
  if (*serve_cmd) return kl::app::RunServe(serve);
  if (*replay_cmd) return kl::app::RunReplay(tools_dir);
  if (*verify_cmd) return tools_log.empty() ? kl::app::RunVerify(tools_dir) : kl::app::RunVerifyClusterLog(tools_log);
  if (*export_cmd) return kl::app::RunExport(export_opts);
  if (*verify_export_cmd) return kl::app::RunVerifyExport(ve_file, ve_manifest, ve_key, ve_log);
  if (*import_cmd) return kl::app::RunClusterImport(import_from, import_log);
  return 0;
}
