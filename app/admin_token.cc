#include "app/admin_token.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <sstream>

#include "domain/base62.h"
#include "domain/crypto.h"

namespace kl::app {

Result<std::string> LoadAdminTokenHash(const std::string& data_dir, std::string* token_file) {
  if (const char* env = std::getenv("KEYLEDGER_ADMIN_TOKEN"); env && *env) {
    std::string token(env);
    if (token.size() < 32) return Status(Code::kValidation, "KEYLEDGER_ADMIN_TOKEN must be at least 32 characters");
    return ToHex(Sha256(token));
  }
  std::string path = data_dir + "/admin.token";
  *token_file = path;
  std::ifstream in(path);
  if (in) {
    std::stringstream ss;
    ss << in.rdbuf();
    std::string token = ss.str();
    while (!token.empty() && (token.back() == '\n' || token.back() == '\r' || token.back() == ' ')) token.pop_back();
    if (token.size() < 32) return Status(Code::kValidation, path + " holds a token shorter than 32 characters");
    return ToHex(Sha256(token));
  }
  uint8_t bytes[32];
  RandomBytes(bytes, sizeof bytes);
  std::string token = Base62Encode(bytes, sizeof bytes, 43);
  // O_EXCL + 0600 from the start: the token is never readable by others, not even briefly.
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL, 0600);
  if (fd < 0) return Status(Code::kInternal, "cannot create " + path);
  std::string line = token + "\n";
  bool ok = ::write(fd, line.data(), line.size()) == static_cast<ssize_t>(line.size()) && ::fsync(fd) == 0;
  ::close(fd);
  if (!ok) return Status(Code::kInternal, "cannot write " + path);
  return ToHex(Sha256(token));
}

}  // namespace kl::app
