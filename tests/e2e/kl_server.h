// End-to-end support: the real keyledger binary on a free port with a temporary data
// directory, and a small libcurl client. Header-only; namespace kl::e2e.
#pragma once
#include <arpa/inet.h>
#include <curl/curl.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <strings.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

namespace kl::e2e {

using nlohmann::json;
namespace fs = std::filesystem;

inline std::string Binary() {
  const char* bin = std::getenv("KEYLEDGER_BIN");
  if (!bin) throw std::runtime_error("KEYLEDGER_BIN is not set (ctest sets it)");
  return bin;
}

inline std::string MakeTempDir(const char* what) {
  std::string tmpl = (fs::temp_directory_path() / (std::string("keyledger-e2e-") + what + "-XXXXXX")).string();
  if (!::mkdtemp(tmpl.data())) throw std::runtime_error("mkdtemp failed");
  return tmpl;
}

inline int FreePort() {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a);
  socklen_t len = sizeof a;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
  ::close(fd);
  return ntohs(a.sin_port);
}

inline std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

struct Response {
  long status = 0;
  std::map<std::string, std::string> headers;  // lower-cased names
  std::string body;
  json Json() const { return json::parse(body, nullptr, false); }
  std::string Header(const std::string& lower) const {
    auto it = headers.find(lower);
    return it == headers.end() ? "" : it->second;
  }
};

class Client {
 public:
  explicit Client(std::string base, std::string token = "") : base_(std::move(base)), token_(std::move(token)) {
    curl_ = curl_easy_init();
  }
  ~Client() { curl_easy_cleanup(curl_); }
  Client(const Client&) = delete;
  Client& operator=(const Client&) = delete;

  void SetToken(std::string t) { token_ = std::move(t); }
  // For https:// servers with a self-signed certificate: trust exactly this PEM file.
  void SetCaFile(std::string path) { ca_file_ = std::move(path); }

  Response Send(const std::string& method, const std::string& path, const std::string& body = "",
                std::vector<std::string> headers = {}) {
    Response r;
    curl_easy_reset(curl_);
    curl_easy_setopt(curl_, CURLOPT_URL, (base_ + path).c_str());
    curl_easy_setopt(curl_, CURLOPT_CUSTOMREQUEST, method.c_str());
    curl_easy_setopt(curl_, CURLOPT_TIMEOUT, 60L);
    if (!ca_file_.empty()) curl_easy_setopt(curl_, CURLOPT_CAINFO, ca_file_.c_str());
    if (!body.empty() || method == "POST" || method == "PATCH") {
      curl_easy_setopt(curl_, CURLOPT_POSTFIELDS, body.c_str());
      curl_easy_setopt(curl_, CURLOPT_POSTFIELDSIZE, static_cast<long>(body.size()));
    }
    curl_slist* list = nullptr;
    if (!token_.empty()) list = curl_slist_append(list, ("Authorization: Bearer " + token_).c_str());
    bool own_type = false;
    for (const auto& h : headers) own_type |= strncasecmp(h.c_str(), "Content-Type:", 13) == 0;
    if (!body.empty() && !own_type) list = curl_slist_append(list, "Content-Type: application/json");
    for (const auto& h : headers) list = curl_slist_append(list, h.c_str());
    curl_easy_setopt(curl_, CURLOPT_HTTPHEADER, list);
    curl_easy_setopt(curl_, CURLOPT_WRITEFUNCTION, &Client::OnBody);
    curl_easy_setopt(curl_, CURLOPT_WRITEDATA, &r.body);
    curl_easy_setopt(curl_, CURLOPT_HEADERFUNCTION, &Client::OnHeader);
    curl_easy_setopt(curl_, CURLOPT_HEADERDATA, &r.headers);
    CURLcode rc = curl_easy_perform(curl_);
    curl_slist_free_all(list);
    if (rc != CURLE_OK) throw std::runtime_error(std::string("curl: ") + curl_easy_strerror(rc));
    curl_easy_getinfo(curl_, CURLINFO_RESPONSE_CODE, &r.status);
    return r;
  }
  Response Get(const std::string& path) { return Send("GET", path); }
  Response Post(const std::string& path, const json& body, std::vector<std::string> headers = {}) {
    return Send("POST", path, body.dump(), std::move(headers));
  }
  Response Patch(const std::string& path, const json& body, std::vector<std::string> headers = {}) {
    return Send("PATCH", path, body.dump(), std::move(headers));
  }
  Response Delete(const std::string& path, const json& body = nullptr) {
    return Send("DELETE", path, body.is_null() ? "" : body.dump());
  }

 private:
  static size_t OnBody(char* p, size_t n, size_t m, void* out) {
    static_cast<std::string*>(out)->append(p, n * m);
    return n * m;
  }
  static size_t OnHeader(char* p, size_t n, size_t m, void* out) {
    std::string line(p, n * m);
    auto colon = line.find(':');
    if (colon != std::string::npos) {
      std::string name = line.substr(0, colon), value = line.substr(colon + 1);
      for (auto& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      while (!value.empty() && (value.front() == ' ')) value.erase(0, 1);
      while (!value.empty() && (value.back() == '\r' || value.back() == '\n')) value.pop_back();
      (*static_cast<std::map<std::string, std::string>*>(out))[name] = value;
    }
    return n * m;
  }
  std::string base_, token_, ca_file_;
  CURL* curl_;
};

// Polls `cond` until it holds or `timeout` passes: a wait for a condition, never a fixed sleep.
template <typename Cond>
bool WaitFor(Cond cond, std::chrono::milliseconds timeout = std::chrono::seconds(10)) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    if (cond()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return cond();
}

class Server {
 public:
  static constexpr const char* kAdminToken = "e2e-admin-token-0123456789abcdefghijklmnop";

  explicit Server(std::vector<std::string> extra_args = {}) : extra_(std::move(extra_args)) {
    data_dir_ = MakeTempDir("data");
    log_dir_ = MakeTempDir("log");
    port_ = FreePort();
    Start();
  }
  // On a data directory the test owns (kept when this server goes, e.g. for a restart).
  Server(std::vector<std::string> extra_args, std::string data_dir)
      : extra_(std::move(extra_args)), data_dir_(std::move(data_dir)), owns_data_(false) {
    log_dir_ = MakeTempDir("log");
    port_ = FreePort();
    Start();
  }
  ~Server() {
    if (pid_ > 0) {
      ::kill(pid_, SIGKILL);
      ::waitpid(pid_, nullptr, 0);
    }
    // Under a sanitizer build (scripts/sanitize.sh) the server reports to its log. ASan and UBSan
    // also stop it (the test then sees a dead server), but a report found here fails the whole
    // run, loudly, whatever the test saw; ThreadSanitizer does not stop the server.
    std::string log = Log();
    for (const char* marker : {"ERROR: AddressSanitizer", "runtime error:", "ERROR: LeakSanitizer", "WARNING: ThreadSanitizer"})
      if (log.find(marker) != std::string::npos) {
        std::fprintf(stderr, "sanitizer report in the server log:\n%s\n", log.c_str());
        std::abort();
      }
    std::error_code ec;
    if (owns_data_) fs::remove_all(data_dir_, ec);
    fs::remove_all(log_dir_, ec);
  }

  void Start() {
    const std::string binary = Binary();  // resolved before fork: the child only execs
    pid_ = ::fork();
    if (pid_ == 0) {
      int fd = ::open((log_dir_ + "/serve.log").c_str(), O_WRONLY | O_CREAT | O_APPEND, 0600);
      ::dup2(fd, 1);
      ::dup2(fd, 2);
      ::setenv("KEYLEDGER_ADMIN_TOKEN", kAdminToken, 1);
      std::vector<std::string> args = {binary, "serve", "--data-dir", data_dir_, "--listen",
                                       "127.0.0.1:" + std::to_string(port_), "--threads", "2"};
      args.insert(args.end(), extra_.begin(), extra_.end());
      std::vector<char*> argv;
      for (auto& a : args) argv.push_back(a.data());
      argv.push_back(nullptr);
      ::execv(argv[0], argv.data());
      ::_exit(127);
    }
    Client c(Url());
    c.SetCaFile(CaFile());
    bool exited = false;
    bool up = WaitFor([&] {
      if (::waitpid(pid_, nullptr, WNOHANG) == pid_) {
        exited = true;
        pid_ = -1;
        return true;
      }
      try {
        return c.Get("/healthz").status == 200;
      } catch (...) {
        return false;
      }
    });
    if (!up || exited) throw std::runtime_error("keyledger did not start: " + ReadFile(log_dir_ + "/serve.log"));
  }
  // SIGTERM and wait; returns the exit status.
  int Stop() {
    ::kill(pid_, SIGTERM);
    int status = 0;
    ::waitpid(pid_, &status, 0);
    pid_ = -1;
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  }
  void Kill9() {
    ::kill(pid_, SIGKILL);
    ::waitpid(pid_, nullptr, 0);
    pid_ = -1;
  }
  std::string Url() const {
    return (CaFile().empty() ? "http://127.0.0.1:" : "https://127.0.0.1:") + std::to_string(port_);
  }
  // The certificate a TLS server was started with (--tls-cert), which clients then trust.
  std::string CaFile() const {
    for (size_t i = 0; i + 1 < extra_.size(); ++i)
      if (extra_[i] == "--tls-cert") return extra_[i + 1];
    return "";
  }
  const std::string& DataDir() const { return data_dir_; }
  pid_t Pid() const { return pid_; }  // -1 once stopped or killed
  std::string Log() const { return ReadFile(log_dir_ + "/serve.log"); }
  std::unique_ptr<Client> Admin() const {
    auto c = std::make_unique<Client>(Url(), kAdminToken);
    c->SetCaFile(CaFile());
    return c;
  }

 private:
  std::vector<std::string> extra_;
  std::string data_dir_, log_dir_;
  bool owns_data_ = true;
  int port_ = 0;
  pid_t pid_ = -1;
};

// Runs a keyledger subcommand; returns {exit code, stdout+stderr}.
inline std::pair<int, std::string> RunCli(const std::string& args) {
  std::string cmd = Binary() + " " + args + " 2>&1";
  FILE* p = ::popen(cmd.c_str(), "r");
  std::string out;
  char buf[4096];
  size_t n;
  while ((n = fread(buf, 1, sizeof buf, p)) > 0) out.append(buf, n);
  int status = ::pclose(p);
  return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, out};
}

// Helpers for the common fixtures.
inline std::string CreateOrg(Client& admin, const std::string& id) {
  auto r = admin.Post("/v1/orgs", {{"name", "Org " + id}, {"id", id}});
  if (r.status != 201) throw std::runtime_error("create org: " + r.body);
  return id;
}
struct CreatedKey {
  std::string id;
  std::string value;
  json api_key;
};
inline CreatedKey CreateKey(Client& c, const std::string& org, json body = json::object()) {
  if (!body.contains("name")) body["name"] = "key";
  auto r = c.Post("/v1/orgs/" + org + "/api-keys", body);
  if (r.status != 201) throw std::runtime_error("create key: " + std::to_string(r.status) + " " + r.body);
  auto j = r.Json();
  return {j["api_key"]["id"], j["value"], j["api_key"]};
}
inline json Validate(Client& c, const std::string& value, json extra = json::object()) {
  extra["value"] = value;
  auto r = c.Post("/v1/validations", extra);
  if (r.status != 200) throw std::runtime_error("validate: " + r.body);
  return r.Json();
}
inline std::vector<json> KeyEvents(Client& c, const std::string& org, const std::string& key) {
  auto r = c.Get("/v1/orgs/" + org + "/api-keys/" + key + "/events?limit=1000");
  if (r.status != 200) throw std::runtime_error("key events: " + r.body);
  auto j = r.Json();
  return std::vector<json>(j["data"].begin(), j["data"].end());
}
inline std::vector<std::string> Types(const std::vector<json>& events) {
  std::vector<std::string> out;
  for (const auto& e : events) out.push_back(e["type"]);
  return out;
}

}  // namespace kl::e2e
