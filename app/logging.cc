#include "app/logging.h"

#include <spdlog/pattern_formatter.h>
#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

#include "app/batched_sink.h"
#include "http/access_log.h"
#include "http/json_escape.h"

namespace kl::app {

namespace {

using http::AppendJsonEscaped;

// {"ts":"…Z","level":"info","logger":"keyledger","msg":"…"} — or, for the access logger, whose
// payload is already a list of JSON members, those members in place of "msg".
class JsonFormatter final : public spdlog::formatter {
 public:
  void format(const spdlog::details::log_msg& msg, spdlog::memory_buf_t& dest) override {
    auto secs = std::chrono::time_point_cast<std::chrono::seconds>(msg.time);
    auto millis = std::chrono::duration_cast<std::chrono::milliseconds>(msg.time - secs).count();
    std::time_t t = std::chrono::system_clock::to_time_t(secs);
    std::tm tm{};
    gmtime_r(&t, &tm);
    char ts[40];
    size_t n = std::strftime(ts, sizeof ts, "%Y-%m-%dT%H:%M:%S", &tm);
    n += static_cast<size_t>(std::snprintf(ts + n, sizeof ts - n, ".%03dZ", static_cast<int>(millis)));
    dest.append(std::string_view("{\"ts\":\""));
    dest.append(ts, ts + n);
    dest.append(std::string_view("\",\"level\":\""));
    auto level = spdlog::level::to_string_view(msg.level);
    dest.append(level.data(), level.data() + level.size());
    dest.append(std::string_view("\",\"logger\":\""));
    AppendJsonEscaped(std::string_view(msg.logger_name.data(), msg.logger_name.size()), dest);
    dest.append(std::string_view("\","));
    std::string_view payload(msg.payload.data(), msg.payload.size());
    if (msg.logger_name == http::kAccessLoggerName) {
      dest.append(payload.data(), payload.data() + payload.size());
    } else {
      dest.append(std::string_view("\"msg\":\""));
      AppendJsonEscaped(payload, dest);
      dest.push_back('"');
    }
    dest.append(std::string_view("}\n"));
  }
  std::unique_ptr<spdlog::formatter> clone() const override { return std::make_unique<JsonFormatter>(); }
};

}  // namespace

Status ConfigureLogging(const std::string& level_name, const std::string& format) {
  auto level = spdlog::level::from_str(level_name);
  if (level == spdlog::level::off && level_name != "off")
    return Status::Validation({{"log-level", "must be one of trace, debug, info, warn, error, critical, off"}});
  if (format != "text" && format != "json")
    return Status::Validation({{"log-format", "must be text or json"}});
  bool json = format == "json";

  auto sink = std::make_shared<spdlog::sinks::stderr_sink_mt>();
  if (json) sink->set_formatter(std::make_unique<JsonFormatter>());
  else sink->set_formatter(std::make_unique<spdlog::pattern_formatter>("%Y-%m-%dT%H:%M:%S.%eZ %l [%n] %v",
                                                                         spdlog::pattern_time_type::utc));
  auto main_logger = std::make_shared<spdlog::logger>("keyledger", sink);
  main_logger->set_level(level);
  main_logger->flush_on(spdlog::level::info);
  spdlog::set_default_logger(main_logger);

  // Requests are logged from the reactor threads, into a buffer written out in batches: one
  // line at a time (an async logger) cost a tenth of durable creates' throughput, and a slow log
  // consumer must never hold a request thread.
  auto access_sink = std::make_shared<BatchedStderrSink>();
  if (json) access_sink->set_formatter(std::make_unique<JsonFormatter>());
  else access_sink->set_formatter(std::make_unique<spdlog::pattern_formatter>("%Y-%m-%dT%H:%M:%S.%eZ %l [%n] %v",
                                                                                spdlog::pattern_time_type::utc));
  auto access = std::make_shared<spdlog::logger>(http::kAccessLoggerName, access_sink);
  access->set_level(level);
  access->flush_on(spdlog::level::off);  // the sink's thread writes; its destructor writes the rest
  spdlog::register_logger(access);
  http::SetAccessLogger(access, json ? http::LogFormat::kJson : http::LogFormat::kText);
  return Status::Ok();
}

void StopLogging() {
  http::SetAccessLogger(nullptr, http::LogFormat::kText);
  spdlog::shutdown();
}

}  // namespace kl::app
